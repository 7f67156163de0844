package dev.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.config.Config;

@LarderTest
class RedisIT {

    @Test
    void roundTripsAValueThroughRedisson(RedisServer redis) {
        RedissonClient client = redis.newRedissonClient();
        try {
            RBucket<String> bucket = client.getBucket(redis.uniqueKeyPrefix("roundTrip") + "greeting");
            bucket.set("hello");
            assertThat(bucket.get()).isEqualTo("hello");
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void stoppedRedisRefusesConnectionsAndServesAgainOnTheSamePortAfterStart(RedisServer redis) {
        RedissonClient client = redis.newRedissonClient();
        int port = redis.port();
        String key = redis.uniqueKeyPrefix("stopStart") + "k";
        try {
            client.getBucket(key).set("before");
            redis.stop();
            try {
                assertThat(redis.isRunning()).isFalse();
                assertThatThrownBy(() -> new Socket(redis.host(), port).close()).isInstanceOf(ConnectException.class);
                assertThatThrownBy(() -> client.getBucket(key).get()).isInstanceOf(RedisException.class);
            } finally {
                redis.start();
            }
            assertThat(redis.isRunning()).isTrue();
            assertThat(redis.port()).isEqualTo(port);
            // The same client reconnects by itself; Redis may come back empty.
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                client.getBucket(key).set("after");
                assertThat(client.<String>getBucket(key).get()).isEqualTo("after");
            });
        } finally {
            client.shutdown();
        }
    }

    @Test
    void pausedRedisTimesOutAShortTimeoutClientAndAnswersAgainAfterResume(RedisServer redis) {
        Config config = redis.redissonConfig();
        config.useSingleServer().setTimeout(300).setRetryAttempts(0);
        RedissonClient client = Redisson.create(config);
        String key = redis.uniqueKeyPrefix("pause") + "k";
        try {
            client.getBucket(key).set("v");
            redis.pause();
            try {
                assertThat(redis.isRunning()).isFalse();
                assertThatThrownBy(() -> client.getBucket(key).get()).isInstanceOf(RedisTimeoutException.class);
            } finally {
                redis.resume();
            }
            assertThat(redis.isRunning()).isTrue();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(client.<String>getBucket(key).get()).isEqualTo("v"));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void keyPrefixesAreUniqueAndReadable(RedisServer redis) {
        String a = redis.uniqueKeyPrefix("orders test");
        String b = redis.uniqueKeyPrefix("orders test");
        assertThat(a).startsWith("orders-test:").endsWith(":").isNotEqualTo(b);
    }
}
