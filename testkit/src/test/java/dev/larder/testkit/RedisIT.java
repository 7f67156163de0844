package dev.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.core.KeyNamespace;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
        assertThatThrownBy(() -> new Socket(redis.host(), port).close())
            .isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> client.getBucket(key).get()).isInstanceOf(RedisException.class);
      } finally {
        redis.start();
      }
      assertThat(redis.isRunning()).isTrue();
      assertThat(redis.port()).isEqualTo(port);
      // The same client reconnects by itself; Redis may come back empty.
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
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
        assertThatThrownBy(() -> client.getBucket(key).get())
            .isInstanceOf(RedisTimeoutException.class);
      } finally {
        redis.resume();
      }
      assertThat(redis.isRunning()).isTrue();
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(client.<String>getBucket(key).get()).isEqualTo("v"));
    } finally {
      client.shutdown();
    }
  }

  @Test
  void restartFromSnapshotBringsBackTheSnapshotAndForgetsLaterWritesWithANewRunId(
      RedisServer redis) {
    RedissonClient client = redis.newRedissonClient();
    String prefix = redis.uniqueKeyPrefix("snapshot");
    try {
      client.getBucket(prefix + "kept").set("before");
      client.getBucket(prefix + "changed").set("v1");
      String runIdBefore = redis.runId();
      redis.snapshot();
      client.getBucket(prefix + "changed").set("v2");
      client.getBucket(prefix + "late").set("after");
      client.getBucket(prefix + "kept").delete();

      redis.restartFromSnapshot();

      assertThat(redis.isRunning()).isTrue();
      assertThat(redis.runId()).matches("[0-9a-f]{40}").isNotEqualTo(runIdBefore);
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(client.<String>getBucket(prefix + "kept").get()).isEqualTo("before");
                assertThat(client.<String>getBucket(prefix + "changed").get()).isEqualTo("v1");
                assertThat(client.<String>getBucket(prefix + "late").get()).isNull();
              });
    } finally {
      client.shutdown();
    }
  }

  @Test
  void plainStopAndStartComeBackEmptyEvenAfterASnapshot(RedisServer redis) {
    RedissonClient client = redis.newRedissonClient();
    String key = redis.uniqueKeyPrefix("snapshotThenStop") + "k";
    try {
      client.getBucket(key).set("saved");
      redis.snapshot();
      redis.restartFromSnapshot();
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(() -> assertThat(client.<String>getBucket(key).get()).isEqualTo("saved"));
      String runId = redis.runId();
      redis.stop();
      redis.start();
      assertThat(redis.runId()).isNotEqualTo(runId);
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                client
                    .getBucket(key + ":probe")
                    .set("x"); // proves the client is back before the read below
                assertThat(client.<String>getBucket(key).get()).isNull();
              });
    } finally {
      client.shutdown();
    }
  }

  @Test
  void snapshotAndRestartFromSnapshotRefuseAServerThatIsNotRunning(RedisServer redis) {
    redis.snapshot();
    redis.pause();
    try {
      assertThatThrownBy(redis::snapshot)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("paused");
    } finally {
      redis.resume();
    }
    redis.stop();
    try {
      assertThatThrownBy(redis::restartFromSnapshot)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("stopped");
    } finally {
      redis.start();
    }
  }

  @Test
  void killPubSubClientsDisconnectsSubscribersOnly(RedisServer redis) throws Exception {
    String channel = redis.uniqueKeyPrefix("killPubSub") + "ch";
    try (Socket subscriber = new Socket(redis.host(), redis.port());
        Socket plain = new Socket(redis.host(), redis.port())) {
      subscriber.setSoTimeout(5000);
      plain.setSoTimeout(5000);
      subscriber
          .getOutputStream()
          .write(("SUBSCRIBE " + channel + "\r\n").getBytes(StandardCharsets.US_ASCII));
      await().atMost(Duration.ofSeconds(5)).until(() -> redis.pubSubNumSub(channel) == 1);
      assertThat(redis.pubSubChannels(channel)).containsExactly(channel);

      assertThat(redis.killPubSubClients()).isGreaterThanOrEqualTo(1);

      assertThat(redis.pubSubNumSub(channel)).isZero();
      InputStream in = subscriber.getInputStream();
      in.readNBytes(in.available()); // the subscribe confirmation
      assertThat(in.read()).as("the subscriber's connection is closed").isEqualTo(-1);
      plain.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(plain.getInputStream().readNBytes(7), StandardCharsets.US_ASCII))
          .as("a connection not in pub/sub mode stays")
          .isEqualTo("+PONG\r\n");
    }
  }

  @Test
  void countsClientsAndChannelsUntilAClientShutsDown(RedisServer redis) {
    String channel = redis.uniqueKeyPrefix("counts") + "ch";
    int before = redis.clientCount();
    RedissonClient client = redis.newRedissonClient();
    try {
      client.getTopic(channel).addListener(String.class, (ch, msg) -> {});
      assertThat(redis.clientCount()).isGreaterThan(before);
      await().atMost(Duration.ofSeconds(5)).until(() -> redis.pubSubNumSub(channel) == 1);
      assertThat(redis.pubSubChannels(channel.substring(0, channel.length() - 2) + "*"))
          .containsExactly(channel);
      assertThat(redis.runId()).isEqualTo(redis.runId());
    } finally {
      client.shutdown();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(redis.clientCount()).isEqualTo(before);
              assertThat(redis.pubSubChannels(channel)).isEmpty();
              assertThat(redis.pubSubNumSub(channel)).isZero();
            });
  }

  @Test
  void keyPrefixesAreUniqueAndReadable(RedisServer redis) {
    String a = redis.uniqueKeyPrefix("orders test");
    String b = redis.uniqueKeyPrefix("orders test");
    assertThat(a).startsWith("orders-test:").endsWith(":").isNotEqualTo(b);
  }

  @Test
  void namespaceNamesAreKeyNamespacesOfTheirOwn(RedisServer redis) {
    KeyNamespace a = KeyNamespace.of(redis.uniqueNamespaceName("orders test"), 1);
    KeyNamespace b = KeyNamespace.of(redis.uniqueNamespaceName("orders test"), 1);
    assertThat(a.name()).startsWith("orders-test-");
    assertThat(a.prefix()).isNotEqualTo(b.prefix());
    assertThat(a.contains(b.qualify("k"))).isFalse();
  }
}
