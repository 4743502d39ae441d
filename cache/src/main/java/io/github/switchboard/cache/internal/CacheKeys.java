package io.github.switchboard.cache.internal;

/**
 * The names of a cache's Redis keys and channel (see {@link RedisTranslationCache}): the generation, the
 * entries of a generation (one hash tag each), their leases, and the events channel. The key prefix of the
 * current generation is made once per generation, not per call.
 */
final class CacheKeys {
  /** A generation and its key prefix <code>base + gen + ":&#123;"</code>. */
  private record GenerationPrefix(long gen, String prefix) {}

  private final String base;
  final String generation;
  final String channel;
  private volatile GenerationPrefix current;

  CacheKeys(String keyPrefix, String name) {
    this.base = keyPrefix + name + ":";
    this.generation = base + "gen";
    this.channel = base + "events";
    this.current = new GenerationPrefix(0, base + "0:{");
  }

  /** Makes the prefix of a new current generation. */
  void generationIs(long gen) {
    current = new GenerationPrefix(gen, base + gen + ":{");
  }

  /** The key of an entry of a generation. */
  String entry(String digest, long gen) {
    GenerationPrefix p = current;
    return p.gen == gen ? p.prefix + digest + "}" : base + gen + ":{" + digest + "}";
  }

  /** The key of an entry's lease (in the entry's slot). */
  static String lease(String entryKey) {
    return entryKey + ":lease";
  }
}
