package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.FailureClass;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.redisson.RedissonShutdownException;
import org.redisson.client.RedisBusyException;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisLoadingException;
import org.redisson.client.RedisOutOfMemoryException;
import org.redisson.client.RedisResponseTimeoutException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.RedisWrongPasswordException;
import org.redisson.client.WriteRedisConnectionException;

class RedisFailureClassifierTest {
  private final RedisFailureClassifier c = RedisFailureClassifier.instance();

  @Test
  void connectionAndNotSentTimeoutsAreTransient() {
    assertThat(c.classify(new RedisConnectionException("Unable to connect to Redis server")))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(
            c.classify(
                new WriteRedisConnectionException("Unable to write command into connection", null)))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(c.classify(new RedisTimeoutException("Unable to acquire connection!")))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(c.classify(new RedisLoadingException("LOADING"))).isEqualTo(FailureClass.TRANSIENT);
    assertThat(c.classify(new RedisBusyException("BUSY"))).isEqualTo(FailureClass.TRANSIENT);
  }

  @Test
  void aResponseTimeoutIsUnknownBecauseTheCommandMayHaveRun() {
    assertThat(c.classify(new RedisResponseTimeoutException("Redis server response timeout")))
        .isEqualTo(FailureClass.UNKNOWN);
  }

  @Test
  void wrongTypeOomAuthAndShutdownArePermanent() {
    assertThat(
            c.classify(
                new RedisException(
                    "WRONGTYPE Operation against a key holding the wrong kind of value")))
        .isEqualTo(FailureClass.PERMANENT);
    assertThat(c.classify(new RedisException("ERR unknown command 'FOO'")))
        .isEqualTo(FailureClass.PERMANENT);
    assertThat(c.classify(new RedisOutOfMemoryException("OOM command not allowed")))
        .isEqualTo(FailureClass.PERMANENT);
    assertThat(c.classify(new RedisWrongPasswordException("WRONGPASS")))
        .isEqualTo(FailureClass.PERMANENT);
    assertThat(c.classify(new RedissonShutdownException("Redisson is shutdown")))
        .isEqualTo(FailureClass.PERMANENT);
  }

  @Test
  void othersAreUnknownButTheStandardClassifierLooksAtTheirCauses() {
    RedisException wrapped =
        new RedisException("Unexpected exception while processing command", new ConnectException());
    assertThat(c.classify(wrapped)).isEqualTo(FailureClass.UNKNOWN);
    assertThat(FailureClassifiers.standard().classify(wrapped)).isEqualTo(FailureClass.TRANSIENT);
    assertThat(c.classify(new IllegalStateException())).isEqualTo(FailureClass.UNKNOWN);
  }
}
