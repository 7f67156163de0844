package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class OutboxCursorTest {

  @Property
  void textFormRoundTripsForEveryTxidIncludingUnsignedOnes(@ForAll long txid, @ForAll long id) {
    OutboxCursor c = new OutboxCursor(txid, id);
    assertThat(OutboxCursor.parse(c.toString())).isEqualTo(c);
  }

  @Property
  void ordersByTxidUnsignedThenById(@ForAll long t1, @ForAll long i1, @ForAll long t2, @ForAll long i2) {
    OutboxCursor a = new OutboxCursor(t1, i1);
    OutboxCursor b = new OutboxCursor(t2, i2);
    int expected = t1 != t2 ? Long.compareUnsigned(t1, t2) : Long.compare(i1, i2);
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(expected));
    assertThat(a.max(b).compareTo(a)).isGreaterThanOrEqualTo(0);
    assertThat(a.max(b).compareTo(b)).isGreaterThanOrEqualTo(0);
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
