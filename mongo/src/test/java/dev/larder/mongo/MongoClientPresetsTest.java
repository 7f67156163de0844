package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoClientSettings;
import com.mongodb.ReadConcern;
import com.mongodb.ReadPreference;
import com.mongodb.Tag;
import com.mongodb.TagSet;
import com.mongodb.TaggableReadPreference;
import com.mongodb.WriteConcern;
import io.micrometer.core.instrument.binder.mongodb.MongoMetricsCommandListener;
import io.micrometer.core.instrument.binder.mongodb.MongoMetricsConnectionPoolListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MongoClientPresetsTest {
  private static final String URI = "mongodb://db1:27017,db2:27017/?replicaSet=rs0";

  @Test
  void oltpPresetSetsPoolTimeoutsAndMajorityConcerns() {
    MongoClientSettings s = MongoClientPresets.builder(MongoPreset.OLTP, URI).build();
    assertThat(s.getConnectionPoolSettings().getMaxSize()).isEqualTo(50);
    assertThat(s.getConnectionPoolSettings().getMinSize()).isEqualTo(5);
    assertThat(s.getConnectionPoolSettings().getMaxConnecting()).isEqualTo(2);
    assertThat(s.getConnectionPoolSettings().getMaxWaitTime(TimeUnit.MILLISECONDS))
        .isEqualTo(2_000);
    assertThat(s.getConnectionPoolSettings().getMaxConnectionIdleTime(TimeUnit.MINUTES))
        .isEqualTo(5);
    assertThat(s.getConnectionPoolSettings().getMaxConnectionLifeTime(TimeUnit.MINUTES))
        .isEqualTo(30);
    assertThat(s.getClusterSettings().getServerSelectionTimeout(TimeUnit.MILLISECONDS))
        .isEqualTo(5_000);
    assertThat(s.getSocketSettings().getReadTimeout(TimeUnit.MILLISECONDS)).isEqualTo(10_000);
    assertThat(s.getWriteConcern().getWString()).isEqualTo("majority");
    assertThat(s.getWriteConcern().getWTimeout(TimeUnit.MILLISECONDS)).isEqualTo(5_000);
    assertThat(s.getReadConcern()).isEqualTo(ReadConcern.MAJORITY);
    assertThat(s.getReadPreference()).isEqualTo(ReadPreference.primary());
    assertThat(s.getRetryWrites()).isTrue();
    assertThat(s.getRetryReads()).isTrue();
    assertThat(s.getCompressorList()).isEmpty();
  }

  @Test
  void analyticsPresetReadsFromSecondariesWithBoundedStalenessAndCompresses() {
    MongoClientSettings s = MongoClientPresets.builder("analytics", URI).build();
    assertThat(s.getReadPreference().getName()).isEqualTo("secondaryPreferred");
    assertThat(((TaggableReadPreference) s.getReadPreference()).getMaxStaleness(TimeUnit.SECONDS))
        .isEqualTo(120);
    assertThat(s.getReadConcern()).isEqualTo(ReadConcern.LOCAL);
    assertThat(s.getCompressorList()).extracting(c -> c.getName()).containsExactly("zlib");
    assertThat(s.getSocketSettings().getReadTimeout(TimeUnit.MINUTES)).isEqualTo(5);
  }

  @Test
  void connectionStringOverridesPresetAndBuilderOverridesBoth() {
    String uri =
        "mongodb://db1/?maxPoolSize=30&minPoolSize=3&readPreference=nearest&compressors=zlib";
    MongoClientSettings fromUri = MongoClientPresets.builder(MongoPreset.OLTP, uri).build();
    assertThat(fromUri.getConnectionPoolSettings().getMaxSize()).isEqualTo(30);
    assertThat(fromUri.getConnectionPoolSettings().getMinSize()).isEqualTo(3);
    assertThat(fromUri.getReadPreference().getName()).isEqualTo("nearest");
    assertThat(fromUri.getCompressorList()).extracting(c -> c.getName()).containsExactly("zlib");

    MongoClientSettings explicit =
        MongoClientPresets.builder(MongoPreset.OLTP, uri)
            .maxPoolSize(12)
            .minPoolSize(1)
            .readPreference("secondary")
            .compressors()
            .build();
    assertThat(explicit.getConnectionPoolSettings().getMaxSize()).isEqualTo(12);
    assertThat(explicit.getConnectionPoolSettings().getMinSize()).isEqualTo(1);
    assertThat(explicit.getReadPreference().getName()).isEqualTo("secondary");
    assertThat(explicit.getCompressorList()).isEmpty();
  }

  @Test
  void tagSetsAndStalenessBuildATaggedReadPreference() {
    TagSet eu = new TagSet(new Tag("region", "eu"));
    MongoClientSettings s =
        MongoClientPresets.builder(MongoPreset.OLTP, URI)
            .readPreference("secondaryPreferred")
            .readTagSets(List.of(eu, new TagSet()))
            .maxStaleness(Duration.ofSeconds(90))
            .build();
    TaggableReadPreference rp = (TaggableReadPreference) s.getReadPreference();
    assertThat(rp.getTagSetList()).containsExactly(eu, new TagSet());
    assertThat(rp.getMaxStaleness(TimeUnit.SECONDS)).isEqualTo(90);
  }

  @Test
  void unknownPresetNameIsRefusedNamingTheValueAndTheChoices() {
    assertThatThrownBy(() -> MongoClientPresets.builder("oltpp", URI))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("preset must be one of [oltp, analytics, batch] but was 'oltpp'");
    assertThat(MongoPreset.parse(" Batch ")).isEqualTo(MongoPreset.BATCH);
  }

  @Test
  void negativeAndZeroPoolSizesAreRefused() {
    var b = MongoClientPresets.builder(MongoPreset.OLTP, URI);
    assertThatThrownBy(() -> b.maxPoolSize(-1)).hasMessage("maxPoolSize must be > 0 but was -1");
    assertThatThrownBy(() -> b.maxPoolSize(0)).hasMessage("maxPoolSize must be > 0 but was 0");
    assertThatThrownBy(() -> b.minPoolSize(-2)).hasMessage("minPoolSize must be >= 0 but was -2");
    assertThatThrownBy(() -> b.maxConnecting(0)).hasMessage("maxConnecting must be > 0 but was 0");
    assertThatThrownBy(() -> b.maxWaitTime(Duration.ofMillis(-1)))
        .hasMessage("maxWaitTime must be > 0 but was PT-0.001S");
  }

  @Test
  void minPoolSizeAboveMaxFailsInBuildWhereverTheValuesCameFrom() {
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.OLTP, URI)
                    .maxPoolSize(4)
                    .minPoolSize(8)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minPoolSize must be <= maxPoolSize (4) but was 8");
    // preset min 5 against a URI max of 2
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.OLTP, "mongodb://db1/?maxPoolSize=2")
                    .build())
        .hasMessage("minPoolSize must be <= maxPoolSize (2) but was 5");
  }

  @Test
  void maxStalenessBelowNinetySecondsIsRefused() {
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.ANALYTICS, URI)
                    .maxStaleness(Duration.ofSeconds(89))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "maxStaleness must be >= PT1M30S (the driver's minimum maxStalenessSeconds) but was PT1M29S");
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.ANALYTICS, URI)
                    .heartbeatFrequency(Duration.ofSeconds(100))
                    .maxStaleness(Duration.ofSeconds(100))
                    .build())
        .hasMessage("maxStaleness must be >= heartbeatFrequency + 10s (PT1M50S) but was PT1M40S");
  }

  @Test
  void maxStalenessOrTagsWithPrimaryAreRefused() {
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.OLTP, URI)
                    .maxStaleness(Duration.ofSeconds(120))
                    .build())
        .hasMessage("maxStaleness must not be set with readPreference primary but was PT2M");
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.OLTP, URI)
                    .readTagSets(List.of(new TagSet(new Tag("dc", "x"))))
                    .build())
        .hasMessageStartingWith("readTagSets must be empty with readPreference primary but was");
  }

  @Test
  void unknownModesLevelsAndCompressorsAreRefusedNamingTheValue() {
    var b = MongoClientPresets.builder(MongoPreset.OLTP, URI);
    assertThatThrownBy(() -> b.readPreference("secondaryPrefered"))
        .hasMessage(
            "readPreference must be one of [primary, primaryPreferred, secondary, secondaryPreferred,"
                + " nearest] but was 'secondaryPrefered'");
    assertThatThrownBy(() -> b.readConcern("strong"))
        .hasMessage(
            "readConcern must be one of [local, majority, linearizable, snapshot, available] but was 'strong'");
    assertThatThrownBy(() -> b.compressors("lz4"))
        .hasMessage("compressors must be among [zlib, snappy, zstd] but was 'lz4'");
    assertThatThrownBy(() -> b.compressors("zstd"))
        .hasMessage(
            "compressors 'zstd' needs com.github.luben:zstd-jni on the class path but it was not found");
    assertThatThrownBy(() -> b.writeConcern(WriteConcern.UNACKNOWLEDGED))
        .hasMessage("writeConcern must be acknowledged but was {\"w\": 0}");
    assertThatThrownBy(
            () -> MongoClientPresets.builder(MongoPreset.OLTP, "mongodb://db1/?w=0").build())
        .hasMessage("writeConcern must be acknowledged but was {\"w\": 0}");
  }

  @Test
  void linearizableReadsNeedThePrimary() {
    assertThatThrownBy(
            () ->
                MongoClientPresets.builder(MongoPreset.ANALYTICS, URI)
                    .readConcern("linearizable")
                    .build())
        .hasMessage(
            "readConcern linearizable needs readPreference primary but was secondaryPreferred");
  }

  @Test
  void badConnectionStringIsReportedWithoutRepeatingIt() {
    assertThatThrownBy(
            () -> MongoClientPresets.builder(MongoPreset.OLTP, "postgres://user:secret@db1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("connectionString is invalid: ")
        .hasMessageNotContaining("secret");
  }

  @Test
  void meterRegistryInstallsMicrometersMongoListeners() {
    MongoClientSettings s =
        MongoClientPresets.builder(MongoPreset.OLTP, URI)
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    assertThat(s.getCommandListeners())
        .hasAtLeastOneElementOfType(MongoMetricsCommandListener.class);
    assertThat(s.getConnectionPoolSettings().getConnectionPoolListeners())
        .hasAtLeastOneElementOfType(MongoMetricsConnectionPoolListener.class);
    assertThat(MongoClientPresets.builder(MongoPreset.OLTP, URI).build().getCommandListeners())
        .isEmpty();
  }

  @Test
  void aSecondCallOfAnySettingIsRefusedNamingTheValueSetFirst() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    var b =
        MongoClientPresets.builder(MongoPreset.OLTP, URI)
            .maxPoolSize(40)
            .minPoolSize(4)
            .maxConnecting(3)
            .maxWaitTime(Duration.ofSeconds(2))
            .maxConnectionIdleTime(Duration.ofMinutes(5))
            .maxConnectionLifeTime(Duration.ofMinutes(30))
            .serverSelectionTimeout(Duration.ofSeconds(5))
            .connectTimeout(Duration.ofSeconds(3))
            .socketTimeout(Duration.ofSeconds(10))
            .heartbeatFrequency(Duration.ofSeconds(10))
            .readPreference("nearest")
            .readTagSets(List.of(new TagSet(new Tag("dc", "east"))))
            .maxStaleness(Duration.ofSeconds(120))
            .readConcern("Majority")
            .writeConcern(WriteConcern.MAJORITY.withWTimeout(5, TimeUnit.SECONDS))
            .compressors("zlib")
            .applicationName("shop")
            .meterRegistry(registry);

    assertThatThrownBy(() -> b.maxPoolSize(50))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxPoolSize was already set to 40");
    assertThatThrownBy(() -> b.minPoolSize(5)).hasMessage("minPoolSize was already set to 4");
    assertThatThrownBy(() -> b.maxConnecting(2)).hasMessage("maxConnecting was already set to 3");
    assertThatThrownBy(() -> b.maxWaitTime(Duration.ofSeconds(1)))
        .hasMessage("maxWaitTime was already set to PT2S");
    assertThatThrownBy(() -> b.maxConnectionIdleTime(Duration.ZERO))
        .hasMessage("maxConnectionIdleTime was already set to PT5M");
    assertThatThrownBy(() -> b.maxConnectionLifeTime(Duration.ZERO))
        .hasMessage("maxConnectionLifeTime was already set to PT30M");
    assertThatThrownBy(() -> b.serverSelectionTimeout(Duration.ofSeconds(1)))
        .hasMessage("serverSelectionTimeout was already set to PT5S");
    assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(1)))
        .hasMessage("connectTimeout was already set to PT3S");
    assertThatThrownBy(() -> b.socketTimeout(Duration.ofSeconds(1)))
        .hasMessage("socketTimeout was already set to PT10S");
    assertThatThrownBy(() -> b.heartbeatFrequency(Duration.ofSeconds(1)))
        .hasMessage("heartbeatFrequency was already set to PT10S");
    assertThatThrownBy(() -> b.readPreference("primary"))
        .hasMessage("readPreference was already set to nearest");
    assertThatThrownBy(() -> b.readTagSets(List.of(new TagSet())))
        .hasMessageStartingWith("readTagSets was already set to [")
        .hasMessageContaining("east");
    assertThatThrownBy(() -> b.maxStaleness(Duration.ofSeconds(90)))
        .hasMessage("maxStaleness was already set to PT2M");
    assertThatThrownBy(() -> b.readConcern("local"))
        .hasMessage("readConcern was already set to majority");
    assertThatThrownBy(() -> b.writeConcern(WriteConcern.W1))
        .hasMessage("writeConcern was already set to {\"w\": \"majority\", \"wtimeout\": 5000}");
    assertThatThrownBy(() -> b.compressors()).hasMessage("compressors was already set to [zlib]");
    assertThatThrownBy(() -> b.applicationName("other"))
        .hasMessage("applicationName was already set to shop");
    assertThatThrownBy(() -> b.meterRegistry(new SimpleMeterRegistry()))
        .hasMessage("meterRegistry was already set to " + registry);

    // The first values stand: the refused calls changed nothing.
    MongoClientSettings s = b.build();
    assertThat(s.getConnectionPoolSettings().getMaxSize()).isEqualTo(40);
    assertThat(s.getReadPreference().getName()).isEqualTo("nearest");
  }

  @Test
  void turningCompressionOffCountsAsSettingCompressors() {
    var b = MongoClientPresets.builder(MongoPreset.ANALYTICS, URI).compressors();
    assertThatThrownBy(() -> b.compressors("zlib"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("compressors was already set to []");
  }

  @Test
  void badDurationsNamesAndTagSetsAreRefusedNamingTheSettingAndTheValue() {
    var b = MongoClientPresets.builder(MongoPreset.OLTP, URI);
    assertThatThrownBy(() -> b.maxConnectionIdleTime(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConnectionIdleTime must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> b.maxConnectionLifeTime(Duration.ofSeconds(-1)))
        .hasMessage("maxConnectionLifeTime must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> b.serverSelectionTimeout(Duration.ZERO))
        .hasMessage("serverSelectionTimeout must be > 0 but was PT0S");
    assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO))
        .hasMessage("connectTimeout must be > 0 but was PT0S");
    assertThatThrownBy(() -> b.socketTimeout(Duration.ofMillis(-5)))
        .hasMessage("socketTimeout must be >= 0 but was PT-0.005S");
    assertThatThrownBy(() -> b.heartbeatFrequency(Duration.ofMillis(100)))
        .hasMessage("heartbeatFrequency must be >= PT0.5S but was PT0.1S");
    assertThatThrownBy(() -> b.maxStaleness(Duration.ZERO))
        .hasMessage("maxStaleness must be > 0 but was PT0S");
    assertThatThrownBy(() -> b.readTagSets(List.of()))
        .hasMessage("readTagSets must not be empty but was []");
    assertThatThrownBy(() -> b.applicationName("  "))
        .hasMessage("applicationName must not be blank but was '  '");
    assertThatThrownBy(() -> b.maxWaitTime(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("maxWaitTime must not be null");
    // A refused value leaves the setting unset: a good value is still taken.
    assertThat(b.connectTimeout(Duration.ofSeconds(2)).build().getSocketSettings())
        .extracting(x -> x.getConnectTimeout(TimeUnit.SECONDS))
        .isEqualTo(2);
  }
}
