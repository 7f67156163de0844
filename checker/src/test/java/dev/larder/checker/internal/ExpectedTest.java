package dev.larder.checker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.checker.internal.Op.Outcome;
import dev.larder.checker.internal.Op.Type;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectedTest {

  private static Op write(String key, long version, Outcome outcome, String path) {
    return new Op(
        1, Type.WRITE, "t", 0, key, 0, 1, outcome, version, false, null, 0, null, true, path, -1);
  }

  @Test
  void aDirectWriteOfUnknownOutcomeLetsTheCacheKeepTheNewestKnownVersionUntilItsTtl() {
    List<Op> ops =
        List.of(
            write("1", 4, Outcome.OK, "writeThrough"),
                write("1", -1, Outcome.UNKNOWN, "update+invalidate"),
            write("2", 7, Outcome.OK, "outbox"), write("2", -1, Outcome.UNKNOWN, "outbox"));
    Map<String, Expected> e = Expected.of(ops, Map.of("1", 5L, "2", 8L, "3", 1L));
    assertThat(e.get("1"))
        .isEqualTo(new Expected(4, 5)); // may have committed without an invalidate
    assertThat(e.get("2")).isEqualTo(new Expected(8, 8)); // an outbox row commits with the data
    assertThat(e.get("3")).isEqualTo(new Expected(1, 1));
    assertThat(e.get("1").accepts(3)).isFalse();
    assertThat(e.get("1").accepts(4)).isTrue();
    assertThat(e.get("1").accepts(6)).isFalse();
  }
}
