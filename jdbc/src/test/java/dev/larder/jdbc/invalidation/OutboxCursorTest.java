package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutboxCursorTest {

  /** Two positions; one time in four they share the txid, so the row id decides. */
  record Pair(OutboxCursor a, OutboxCursor b) {
    static Pair draw(Random r) {
      long t1 = Gen.anyLong(r);
      long t2 = r.nextInt(4) == 0 ? t1 : Gen.anyLong(r);
      return new Pair(new OutboxCursor(t1, Gen.anyLong(r)), new OutboxCursor(t2, Gen.anyLong(r)));
    }
  }

  @Test
  void textFormRoundTripsForEveryTxidIncludingUnsignedOnes() {
    Property.forAll(
        "outbox position text form round-trips",
        1000,
        r -> new OutboxCursor(Gen.anyLong(r), Gen.anyLong(r)),
        c -> assertThat(OutboxCursor.parse(c.toString())).isEqualTo(c));
  }

  @Test
  void ordersByTxidUnsignedThenById() {
    Property.forAll(
        "outbox positions order by txid unsigned, then id",
        1000,
        Pair::draw,
        p -> {
          OutboxCursor a = p.a();
          OutboxCursor b = p.b();
          int expected =
              a.txid() != b.txid()
                  ? Long.compareUnsigned(a.txid(), b.txid())
                  : Long.compare(a.id(), b.id());
          assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(expected));
          assertThat(a.max(b).compareTo(a)).isGreaterThanOrEqualTo(0);
          assertThat(a.max(b).compareTo(b)).isGreaterThanOrEqualTo(0);
        });
  }

  @Test
  void aLaterTransactionSortsAfterAHigherRowIdOfAnEarlierOne() {
    assertThat(new OutboxCursor(11, 1)).isGreaterThan(new OutboxCursor(10, 999));
  }

  @Test
  void malformedPositionsAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> OutboxCursor.parse("12"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("position must be txid:id but was '12'");
    assertThatThrownBy(() -> OutboxCursor.parse("x:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("position must be txid:id but was 'x:1'");
  }
}
