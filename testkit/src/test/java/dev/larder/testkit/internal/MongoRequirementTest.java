package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.testkit.MongoFeature;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MongoRequirementTest {

  @Test
  void standInLacksTransactionsButHasChangeStreams() {
    Set<MongoFeature> standIn = EnumSet.of(MongoFeature.CHANGE_STREAMS);
    assertThat(
            MongoRequirement.missing(
                standIn, MongoFeature.TRANSACTIONS, MongoFeature.CHANGE_STREAMS))
        .containsExactly(MongoFeature.TRANSACTIONS);
    assertThat(MongoRequirement.missing(standIn, MongoFeature.CHANGE_STREAMS)).isEmpty();
    assertThat(MongoRequirement.missing(EnumSet.allOf(MongoFeature.class), MongoFeature.values()))
        .isEmpty();
  }

  @Test
  void reasonNamesTheMissingFeaturesAndTheFlavour() {
    assertThat(
            MongoRequirement.reason(
                EnumSet.of(MongoFeature.TRANSACTIONS), "mongo-java-server 1.47.0 (stand-in)"))
        .startsWith(
            "needs MongoDB [TRANSACTIONS], which mongo-java-server 1.47.0 (stand-in) lacks; skipped in this flavour only");
  }
}
