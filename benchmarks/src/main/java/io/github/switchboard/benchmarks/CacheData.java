package io.github.switchboard.benchmarks;

import io.github.switchboard.cache.TranslationKey;

/*
 * The keys and results every cache under test reads, built once per trial. A key is a TranslationKey
 * (en -> de, a model, an input of about 70 bytes) whose digest is computed here, before measuring: an
 * application keeps its key objects, and TranslationKey computes its digest once per object. The peers
 * that are keyed by a string (Caffeine, Redisson) are keyed by that digest, precomputed: the generous
 * choice. Every result is 200 ASCII characters (200 bytes of UTF-8), distinct per key.
 */
/** The translation keys, their digests and their 200-byte results. */
final class CacheData {
  /** The length of every result, in characters (and UTF-8 bytes: ASCII only). */
  static final int VALUE_LENGTH = 200;

  /** The source language of every key. */
  static final String SOURCE = "en";

  /** The target language of every key. */
  static final String TARGET = "de";

  /** The model of every key. */
  static final String MODEL = "bench-v1";

  final TranslationKey[] keys;
  final String[] digests;
  final String[] values;

  private CacheData(int n) {
    keys = new TranslationKey[n];
    digests = new String[n];
    values = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = key("Sentence number " + i + " of the benchmark corpus, about as long as a real one.");
      digests[i] = keys[i].digest();
      values[i] = value("Satz Nummer " + i + ": ");
    }
  }

  /**
   * Builds the data of a trial.
   *
   * @param n how many keys
   * @return the data
   */
  static CacheData of(int n) {
    return new CacheData(n);
  }

  /**
   * Builds a key of the benchmark's languages and model.
   *
   * @param input the input text
   * @return the key (its digest not computed yet)
   */
  static TranslationKey key(String input) {
    return TranslationKey.builder(SOURCE, TARGET, input).model(MODEL).build();
  }

  /**
   * Pads a text to {@link #VALUE_LENGTH} ASCII characters.
   *
   * @param head the start of the result
   * @return the result
   */
  static String value(String head) {
    String filler = "lorem ipsum dolor sit amet, consectetur adipiscing elit ";
    StringBuilder b = new StringBuilder(VALUE_LENGTH).append(head);
    while (b.length() < VALUE_LENGTH) {
      b.append(filler.charAt(b.length() % filler.length()));
    }
    return b.substring(0, VALUE_LENGTH);
  }

  /**
   * How many keys.
   *
   * @return the count
   */
  int size() {
    return keys.length;
  }
}
