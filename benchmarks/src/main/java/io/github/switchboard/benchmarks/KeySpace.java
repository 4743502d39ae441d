package io.github.switchboard.benchmarks;

/** The client keys of a benchmark. */
final class KeySpace {
  private KeySpace() {}

  /**
   * Builds the client keys {@code client-0 ... client-(n-1)}, once per trial.
   *
   * @param n how many
   * @return the keys
   */
  static String[] clients(int n) {
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = "client-" + i;
    }
    return keys;
  }
}
