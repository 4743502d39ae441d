package io.github.switchboard.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a decoder result depends on: the source and target language, the encoded input, and optionally the
 * domain and the model. Two keys are equal when all five are.
 *
 * <p>In Redis a key is kept under its {@link #digest()}, a SHA-256 of all five fields; the input never
 * appears in a key name, a log line or {@link #toString()}.
 *
 * <p>Immutable and thread-safe; the input is copied in and never handed out.
 */
public final class TranslationKey {
  /** The largest input, in bytes: {@value}. */
  public static final int MAX_INPUT_BYTES = 16 * 1024 * 1024;

  /** The longest domain or model name: {@value} characters. */
  public static final int MAX_LABEL_LENGTH = 64;

  private static final byte[] VERSION = "switchboard-cache-key-v1".getBytes(StandardCharsets.US_ASCII);

  private final String sourceLanguage;
  private final String targetLanguage;
  private final byte[] input;
  private final @Nullable String domain;
  private final @Nullable String model;
  private final int hash;
  private @Nullable String digest; // racy single-check: every thread computes the same value

  private TranslationKey(Builder b) {
    this.sourceLanguage = b.sourceLanguage;
    this.targetLanguage = b.targetLanguage;
    this.input = b.input;
    this.domain = b.domain;
    this.model = b.model;
    int h = sourceLanguage.hashCode();
    h = 31 * h + targetLanguage.hashCode();
    h = 31 * h + Arrays.hashCode(input);
    h = 31 * h + Objects.hashCode(domain);
    h = 31 * h + Objects.hashCode(model);
    this.hash = h;
  }

  /**
   * Starts a key for an input given as bytes (copied).
   *
   * @param sourceLanguage the source language: 2-3 lower-case letters with an optional subtag of 1-8
   *     letters or digits ({@code en}, {@code pt-BR}, {@code zh-Hant})
   * @param targetLanguage the target language, same rule
   * @param input the encoded input, at most {@link #MAX_INPUT_BYTES} bytes (may be empty)
   * @return a builder
   * @throws IllegalArgumentException naming the field and the rule when an argument breaks it
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String sourceLanguage, String targetLanguage, byte[] input) {
    return new Builder(sourceLanguage, targetLanguage, Objects.requireNonNull(input, "input").clone());
  }

  /**
   * Starts a key for an input given as text, encoded as UTF-8.
   *
   * @param sourceLanguage the source language, as {@link #builder(String, String, byte[])}
   * @param targetLanguage the target language
   * @param input the input text; at most {@link #MAX_INPUT_BYTES} bytes as UTF-8
   * @return a builder
   * @throws IllegalArgumentException naming the field and the rule when an argument breaks it
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String sourceLanguage, String targetLanguage, String input) {
    return new Builder(
        sourceLanguage, targetLanguage, Objects.requireNonNull(input, "input").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns the source language.
   *
   * @return the source language code
   */
  public String sourceLanguage() {
    return sourceLanguage;
  }

  /**
   * Returns the target language.
   *
   * @return the target language code
   */
  public String targetLanguage() {
    return targetLanguage;
  }

  /**
   * Returns a copy of the input.
   *
   * @return the input bytes
   */
  public byte[] input() {
    return input.clone();
  }

  /**
   * Returns the input's length in bytes.
   *
   * @return the length
   */
  public int inputLength() {
    return input.length;
  }

  /**
   * Returns the input decoded as UTF-8 (malformed bytes become U+FFFD).
   *
   * @return the input as text
   */
  public String inputText() {
    return new String(input, StandardCharsets.UTF_8);
  }

  /**
   * Returns the domain, if any.
   *
   * @return the domain or null
   */
  public @Nullable String domain() {
    return domain;
  }

  /**
   * Returns the model, if any.
   *
   * @return the model or null
   */
  public @Nullable String model() {
    return model;
  }

  /**
   * Returns the key's digest: the SHA-256 of all its fields (each length-prefixed, so that no two keys
   * share one), in unpadded URL-safe Base64 (43 characters). Computed once per key object.
   *
   * @return the digest
   */
  public String digest() {
    String d = digest;
    if (d == null) {
      d = computeDigest();
      digest = d;
    }
    return d;
  }

  private String computeDigest() {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    field(sha, VERSION);
    field(sha, sourceLanguage.getBytes(StandardCharsets.US_ASCII));
    field(sha, targetLanguage.getBytes(StandardCharsets.US_ASCII));
    optional(sha, domain);
    optional(sha, model);
    field(sha, input);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
  }

  private static void optional(MessageDigest sha, @Nullable String label) {
    if (label == null) {
      sha.update((byte) 0);
    } else {
      sha.update((byte) 1);
      field(sha, label.getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static void field(MessageDigest sha, byte[] bytes) {
    int n = bytes.length;
    sha.update((byte) (n >>> 24));
    sha.update((byte) (n >>> 16));
    sha.update((byte) (n >>> 8));
    sha.update((byte) n);
    sha.update(bytes);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TranslationKey k)) {
      return false;
    }
    return hash == k.hash
        && sourceLanguage.equals(k.sourceLanguage)
        && targetLanguage.equals(k.targetLanguage)
        && Objects.equals(domain, k.domain)
        && Objects.equals(model, k.model)
        && Arrays.equals(input, k.input);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Names the languages, the domain, the model and the input's length; never the input. */
  @Override
  public String toString() {
    return "TranslationKey["
        + sourceLanguage
        + "->"
        + targetLanguage
        + (domain == null ? "" : ", domain=" + domain)
        + (model == null ? "" : ", model=" + model)
        + ", "
        + input.length
        + " bytes]";
  }

  /** Builds a {@link TranslationKey}; every setter checks its argument at once. */
  public static final class Builder {
    private final String sourceLanguage;
    private final String targetLanguage;
    private final byte[] input;
    private @Nullable String domain;
    private @Nullable String model;

    private Builder(String sourceLanguage, String targetLanguage, byte[] input) {
      this.sourceLanguage = language(sourceLanguage, "sourceLanguage");
      this.targetLanguage = language(targetLanguage, "targetLanguage");
      if (input.length > MAX_INPUT_BYTES) {
        throw new IllegalArgumentException(
            "input must be at most " + MAX_INPUT_BYTES + " bytes, was " + input.length);
      }
      this.input = input;
    }

    /**
     * Sets the domain ({@code medical}, {@code legal}, ...).
     *
     * @param domain 1 to {@value TranslationKey#MAX_LABEL_LENGTH} of {@code A-Z a-z 0-9 . _ -}
     * @return this builder
     * @throws IllegalArgumentException naming the rule when the domain breaks it
     */
    public Builder domain(String domain) {
      this.domain = label(domain, "domain");
      return this;
    }

    /**
     * Sets the model (its name or version), so that a new model does not serve an old model's results.
     *
     * @param model 1 to {@value TranslationKey#MAX_LABEL_LENGTH} of {@code A-Z a-z 0-9 . _ -}
     * @return this builder
     * @throws IllegalArgumentException naming the rule when the model breaks it
     */
    public Builder model(String model) {
      this.model = label(model, "model");
      return this;
    }

    /**
     * Builds the key.
     *
     * @return the key
     */
    public TranslationKey build() {
      return new TranslationKey(this);
    }
  }

  static String language(@Nullable String code, String field) {
    Objects.requireNonNull(code, field);
    if (!isLanguage(code)) {
      throw new IllegalArgumentException(
          field
              + " must be a language code of 2-3 lower-case letters with an optional subtag of 1-8 letters"
              + " or digits (en, pt-BR), was '"
              + printable(code)
              + "'");
    }
    return code;
  }

  private static boolean isLanguage(String code) {
    int n = code.length();
    int i = 0;
    while (i < n && code.charAt(i) >= 'a' && code.charAt(i) <= 'z') {
      i++;
    }
    if (i < 2 || i > 3) {
      return false;
    }
    if (i == n) {
      return true;
    }
    if (code.charAt(i) != '-') {
      return false;
    }
    int sub = n - i - 1;
    if (sub < 1 || sub > 8) {
      return false;
    }
    for (int j = i + 1; j < n; j++) {
      char c = code.charAt(j);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  static String label(@Nullable String value, String field) {
    Objects.requireNonNull(value, field);
    boolean ok = !value.isEmpty() && value.length() <= MAX_LABEL_LENGTH;
    for (int i = 0; ok && i < value.length(); i++) {
      char c = value.charAt(i);
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }
    if (!ok) {
      throw new IllegalArgumentException(
          field
              + " must be 1 to "
              + MAX_LABEL_LENGTH
              + " of A-Z a-z 0-9 . _ -, was '"
              + printable(value)
              + "'");
    }
    return value;
  }

  /** At most 80 characters of a rejected value, control characters shown as '?'. */
  private static String printable(String value) {
    StringBuilder b = new StringBuilder(Math.min(value.length(), 80));
    for (int i = 0; i < value.length() && i < 80; i++) {
      char c = value.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return value.length() > 80 ? b + "..." : b.toString();
  }
}
