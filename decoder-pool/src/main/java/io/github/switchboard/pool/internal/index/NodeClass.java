package io.github.switchboard.pool.internal.index;

import io.github.switchboard.pool.DecoderNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What selection asks of a node's configuration, and whether it is eligible: nodes with equal classes are
 * alike to every filter but freshness, hot adapters and cost. A fleet has few classes however many nodes
 * it has, so selection counts and filters classes, not nodes.
 *
 * @param languages the languages served (empty: every language)
 * @param tags the tags
 * @param region the region, null for none
 * @param eligible ACTIVE and not recorded unhealthy
 */
public record NodeClass(List<String> languages, List<String> tags, @Nullable String region, boolean eligible) {

  /**
   * Returns a node's class.
   *
   * @param node the configuration
   * @param eligible whether it is eligible ({@link NodeRecord#eligible})
   * @return the class
   */
  public static NodeClass of(DecoderNode node, boolean eligible) {
    return new NodeClass(node.languages(), node.tags(), node.region().orElse(null), eligible);
  }

  /**
   * Returns whether the class serves both languages of a pair, as {@link DecoderNode#servesPair} says.
   *
   * @param source the source language
   * @param target the target language
   * @return true if it serves the pair
   */
  public boolean servesPair(String source, String target) {
    return servesLanguage(source) && servesLanguage(target);
  }

  private boolean servesLanguage(String code) {
    if (languages.isEmpty() || languages.contains(code)) {
      return true;
    }
    int dash = code.indexOf('-');
    if (dash <= 0) {
      return false;
    }
    for (int i = 0, n = languages.size(); i < n; i++) {
      String l = languages.get(i);
      if (l.length() == dash && code.startsWith(l)) {
        return true; // the code's primary language, without the substring
      }
    }
    return false;
  }

  /**
   * Returns whether the class carries every given tag (true for none).
   *
   * @param required the tags
   * @return true if it carries them all
   */
  public boolean hasAll(List<String> required) {
    for (int i = 0, n = required.size(); i < n; i++) {
      if (!tags.contains(required.get(i))) {
        return false;
      }
    }
    return true;
  }
}
