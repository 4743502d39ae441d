package io.github.switchboard.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TranslationKeyTest {

  @Test
  void equalKeysShareADigestAndDifferentOnesDoNot() {
    TranslationKey a = TranslationKey.builder("en", "es", "hello").domain("d").model("m").build();
    TranslationKey b = TranslationKey.builder("en", "es", "hello".getBytes(StandardCharsets.UTF_8)).domain("d").model("m").build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.digest()).isEqualTo(b.digest()).hasSize(43).matches("[A-Za-z0-9_-]+");
    Set<String> digests = new HashSet<>();
    digests.add(a.digest());
    digests.add(TranslationKey.builder("en", "es", "hello").build().digest());
    digests.add(TranslationKey.builder("en", "es", "hello").domain("d").build().digest());
    digests.add(TranslationKey.builder("en", "es", "hello").model("d").build().digest());
    digests.add(TranslationKey.builder("es", "en", "hello").build().digest());
    digests.add(TranslationKey.builder("en", "es", "hellO").build().digest());
    digests.add(TranslationKey.builder("en", "es", "").build().digest());
    assertThat(digests).as("a domain is not a model; fields are length-prefixed").hasSize(7);
  }

  @Test
  void theInputIsCopiedInAndOut() {
    byte[] input = {1, 2, 3};
    TranslationKey k = TranslationKey.builder("en", "es", input).build();
    String digest = k.digest();
    input[0] = 9;
    k.input()[1] = 9;
    assertThat(k.input()).containsExactly(1, 2, 3);
    assertThat(TranslationKey.builder("en", "es", new byte[] {1, 2, 3}).build().digest()).isEqualTo(digest);
    assertThat(k.inputLength()).isEqualTo(3);
  }

  @Test
  void toStringNeverShowsTheInput() {
    TranslationKey k = TranslationKey.builder("en", "pt-BR", "SECRET").domain("legal").build();
    assertThat(k.toString()).doesNotContain("SECRET").contains("en->pt-BR", "legal", "6 bytes");
    assertThat(k.inputText()).isEqualTo("SECRET");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "e", "EN", "engl", "en_US", "en-", "en-toolongsub", "en-é", "en es", "en\n"})
  void badLanguagesAreRefusedNamingTheFieldAndTheRule(String bad) {
    assertThatThrownBy(() -> TranslationKey.builder(bad, "es", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sourceLanguage must be a language code of 2-3 lower-case letters");
    assertThatThrownBy(() -> TranslationKey.builder("es", bad, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetLanguage");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a/b", "x{y}", "ü"})
  void badLabelsAreRefused(String bad) {
    assertThatThrownBy(() -> TranslationKey.builder("en", "es", "x").domain(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("domain must be 1 to 64 of A-Z a-z 0-9 . _ -");
    assertThatThrownBy(() -> TranslationKey.builder("en", "es", "x").model(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model must be");
  }

  @Test
  void limitsAndNulls() {
    assertThatThrownBy(() -> TranslationKey.builder("en", "es", "x").domain("d".repeat(65)))
        .hasMessageContaining("domain must be 1 to 64");
    assertThat(TranslationKey.builder("en", "es", "x").model("m".repeat(64)).build().model()).hasSize(64);
    assertThatThrownBy(() -> TranslationKey.builder("en", "es", new byte[TranslationKey.MAX_INPUT_BYTES + 1]))
        .hasMessageContaining("input must be at most 16777216 bytes");
    assertThatThrownBy(() -> TranslationKey.builder("en", "es", (String) null)).isInstanceOf(NullPointerException.class).hasMessage("input");
    assertThatThrownBy(() -> TranslationKey.builder(null, "es", "x")).isInstanceOf(NullPointerException.class).hasMessage("sourceLanguage");
    assertThat(TranslationKey.builder("zh", "zh-Hant", "x").build().targetLanguage()).isEqualTo("zh-Hant");
  }
}
