package io.github.switchboard.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueCodecTest {
  private final ValueCodec codec = new ValueCodec(100, 10_000);

  @ParameterizedTest
  @ValueSource(strings = {"", "a", "hola", "ñ😀翻訳", "sb1:t:5:fake"})
  void shortValuesRoundTripAsText(String v) {
    String stored = codec.encode(v, ValueCodec.utf8Length(v));
    assertThat(stored).startsWith("sb1:t:");
    assertThat(codec.decode(stored)).isEqualTo(v);
  }

  @Test
  void longValuesAreCompressed() {
    String v = "la misma frase otra vez, ".repeat(200);
    String stored = codec.encode(v, ValueCodec.utf8Length(v));
    assertThat(stored).startsWith("sb1:z:");
    assertThat(stored.length()).isLessThan(v.length() / 5);
    assertThat(codec.decode(stored)).isEqualTo(v);
  }

  @Test
  void utf8LengthMatchesTheEncoder() {
    for (String s : new String[] {"", "abc", "ñ", "€", "😀", "a😀b翻", "\uD800"}) {
      assertThat(ValueCodec.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "plain text", "sb1:t:", "sb1:t:x:abc", "sb1:t:4:abc", "sb1:t:-1:", "sb1:t:99999999:x",
      "sb1:z:10:!!!", "sb1:z:10:AAAA", "sb2:t:1:a", "sb1:t:12345678901:a"})
  void foreignOrDamagedValuesAreCorrupt(String stored) {
    assertThatThrownBy(() -> codec.decode(stored)).isInstanceOf(ValueCodec.CorruptValueException.class);
  }

  @Test
  void aCompressedValueCannotInflateBeyondItsHeaderOrTheLimit() {
    ValueCodec big = new ValueCodec(64, 1_000_000);
    String v = "x".repeat(50_000);
    String stored = big.encode(v, v.length());
    assertThat(big.decode(stored)).isEqualTo(v);
    String lying = stored.replace("sb1:z:50000:", "sb1:z:100:");
    assertThatThrownBy(() -> big.decode(lying)).isInstanceOf(ValueCodec.CorruptValueException.class);
    assertThatThrownBy(() -> codec.decode(stored)).as("above maxValueBytes").isInstanceOf(ValueCodec.CorruptValueException.class);
  }
}
