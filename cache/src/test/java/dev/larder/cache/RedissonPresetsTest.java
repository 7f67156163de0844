package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;

class RedissonPresetsTest {

  @Test
  void buildsASingleServerConfigWithTheCacheDefaults() throws Exception {
    Config config = RedissonPresets.singleServer("redis://cache:6379").build();
    assertThat(config.isSingleConfig()).isTrue();
    SingleServerConfig s = config.useSingleServer();
    assertThat(s.getAddress()).isEqualTo("redis://cache:6379");
    assertThat(s.getConnectionPoolSize()).isEqualTo(RedissonPresets.DEFAULT_CONNECTION_POOL_SIZE);
    assertThat(s.getConnectionMinimumIdleSize())
        .isEqualTo(RedissonPresets.DEFAULT_CONNECTION_MINIMUM_IDLE_SIZE);
    assertThat(s.getSubscriptionConnectionPoolSize())
        .isEqualTo(RedissonPresets.DEFAULT_SUBSCRIPTION_POOL_SIZE);
    assertThat(s.getTimeout()).isEqualTo(2000);
    assertThat(config.isLazyInitialization()).as("start-up does not connect").isTrue();
    assertThat(s.getConnectTimeout()).isEqualTo(2000);
    assertThat(s.getRetryAttempts()).isZero();
    assertThat(s.getPingConnectionInterval()).isEqualTo(10_000);
    assertThat(config.isTcpKeepAlive()).isTrue();
    assertThat(config.isTcpNoDelay()).isTrue();
  }

  @Test
  void credentialsArePassedThroughButNeverShown() throws Exception {
    RedissonPresets presets =
        RedissonPresets.singleServer("rediss://cache:6380")
            .username("svc")
            .password("s3cret-pw")
            .truststore(new URL("file:/etc/trust.p12"), "trust-pw");
    Config config = presets.build();
    assertThat(config.getPassword()).isEqualTo("s3cret-pw");
    assertThat(config.getUsername()).isEqualTo("svc");
    assertThat(config.getSslTruststorePassword()).isEqualTo("trust-pw");
    assertThat(presets.toString())
        .doesNotContain("s3cret-pw")
        .doesNotContain("trust-pw")
        .contains("<redacted>");
  }

  @Test
  void invalidCombinationsFailInBuild() throws Exception {
    assertThatThrownBy(
            () ->
                RedissonPresets.singleServer("redis://c:1")
                    .connectionPoolSize(4)
                    .connectionMinimumIdleSize(8)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("connectionMinimumIdleSize must be <= connectionPoolSize (4) but was 8");
    assertThatThrownBy(
            () ->
                RedissonPresets.singleServer("redis://c:1")
                    .subscriptionPoolSize(1)
                    .subscriptionMinimumIdleSize(2)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("subscriptionMinimumIdleSize must be <= subscriptionPoolSize (1) but was 2");
    URL store = new URL("file:/etc/trust.p12");
    assertThatThrownBy(
            () -> RedissonPresets.singleServer("redis://c:1").truststore(store, null).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a rediss:// address");
    assertThatThrownBy(() -> RedissonPresets.singleServer("redis://c:1").username("svc").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("username needs a password but none was set");
    assertThatThrownBy(
            () ->
                RedissonPresets.singleServer("redis://c:1")
                    .responseTimeout(Duration.ofMillis(300))
                    .retries(2, Duration.ofMillis(100))
                    .maxCallDuration(Duration.ofMillis(500))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith("(PT0.5S) but was PT1.1S");
  }

  @Test
  void badValuesFailAtOnceWithoutLeakingCredentials() {
    assertThatThrownBy(() -> RedissonPresets.singleServer("http://user:pw@c:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "address must start with redis:// or rediss:// but was 'http://<redacted>@c:1'");
    assertThatThrownBy(() -> RedissonPresets.singleServer("redis://c:1").connectionPoolSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connectionPoolSize must be > 0 but was 0");
  }
}
