package dev.larder.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void incompleteOptionsAreRefusedNamingTheMissingOneBeforeAnyServerIsTouched() {
    assertThatThrownBy(
            () ->
                Main.run(
                    new String[] {"--jdbc-primary", "jdbc:postgresql://h/db"},
                    new Console(
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)),
                    false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "--jdbc-standby is required with external servers but was not given");
  }

  @Test
  void unknownOrValuelessOptionsAreRefused() {
    assertThatThrownBy(() -> Main.parse(new String[] {"--redis-uri", "redis://h:1"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option '--redis-uri'");
    assertThatThrownBy(() -> Main.parse(new String[] {"--redis"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("option --redis needs a value");
  }

  @Test
  void optionsTakeTheirValueAfterASpaceOrAnEqualsSign() {
    assertThat(Main.parse(new String[] {"--redis", "redis://h:1", "--jdbc-password=a=b"}))
        .containsEntry("--redis", "redis://h:1")
        .containsEntry("--jdbc-password", "a=b");
  }

  @Test
  void printedServerAddressesCarryNoCredentials() {
    assertThat(Servers.redact("jdbc:postgresql://db1:5432/shop?user=app&password=secret"))
        .isEqualTo("jdbc:postgresql://db1:5432/shop");
    assertThat(Servers.redact("mongodb://app:secret@mongo:27017/?replicaSet=rs0"))
        .isEqualTo("mongodb://mongo:27017/");
    assertThat(Servers.redact("redis://:secret@cache:6379")).isEqualTo("redis://cache:6379");
  }
}
