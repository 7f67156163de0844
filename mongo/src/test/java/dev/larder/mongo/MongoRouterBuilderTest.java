package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.larder.core.TimeSource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What the router's builder refuses; nothing here connects. */
class MongoRouterBuilderTest {
  // The client connects lazily; no server is contacted by these tests.
  private static final MongoClient CLIENT =
      MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1");

  @AfterAll
  static void close() {
    CLIENT.close();
  }

  @Test
  void aSecondCallOfAnySettingIsRefusedNamingTheValueSetFirst() {
    TimeSource clock = TimeSource.system();
    MongoRouter.Builder b =
        MongoRouter.builder(CLIENT, "shop")
            .readPreference(ReadPreference.secondaryPreferred())
            .causalFallback(CausalFallback.FAIL)
            .tokenClockSkew(Duration.ofSeconds(30))
            .timeSource(clock);

    assertThatThrownBy(() -> b.readPreference(ReadPreference.nearest()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("readPreference was already set to " + ReadPreference.secondaryPreferred());
    assertThatThrownBy(() -> b.causalFallback(CausalFallback.PRIMARY))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("causalFallback was already set to FAIL");
    assertThatThrownBy(() -> b.tokenClockSkew(Duration.ofSeconds(60)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("tokenClockSkew was already set to PT30S");
    assertThatThrownBy(() -> b.timeSource(TimeSource.system()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("timeSource was already set to " + clock);

    assertThat(b.build().readPreference()).isEqualTo(ReadPreference.secondaryPreferred());
  }

  @Test
  void badValuesAreRefusedNamingTheSettingAndTheValue() {
    assertThatThrownBy(() -> MongoRouter.builder(CLIENT, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("database must not be blank but was ' '");
    MongoRouter.Builder b = MongoRouter.builder(CLIENT, "shop");
    assertThatThrownBy(() -> b.tokenClockSkew(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokenClockSkew must be > 0 but was PT0S");
    assertThatThrownBy(
            () -> b.readPreference(ReadPreference.secondaryPreferred(60, TimeUnit.SECONDS)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "maxStaleness must be >= PT1M30S (the driver's minimum maxStalenessSeconds) but was PT1M");
    assertThatThrownBy(() -> b.causalFallback(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("causalFallback must not be null");
    // Refused values leave the settings unset: good ones are still taken.
    assertThat(
            b.readPreference(ReadPreference.secondaryPreferred(120, TimeUnit.SECONDS))
                .tokenClockSkew(Duration.ofSeconds(5))
                .build()
                .readPreference()
                .getName())
        .isEqualTo("secondaryPreferred");
  }
}
