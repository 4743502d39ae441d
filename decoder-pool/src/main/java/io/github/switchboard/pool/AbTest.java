package io.github.switchboard.pool;

import java.util.List;
import java.util.Objects;

/**
 * An A/B test for one language pair: while active, {@code trafficPercentage} percent of the requests for
 * the pair go to nodes carrying every experiment tag, the rest to nodes carrying every control tag. A group
 * without a selectable node falls back to every capable node. Immutable.
 *
 * @param name the test's name, unique in its pool: 1 to 128 characters without spaces ({@code name})
 * @param active whether the test applies ({@code is_active})
 * @param languagePair the pair as {@code source-target}, two codes of 2-3 lower-case letters, for example
 *     {@code en-es} ({@code language_pair})
 * @param trafficPercentage the share of requests sent to the experiment group, 0 to 100
 *     ({@code traffic_percentage})
 * @param controlGroupTags tags every control node carries ({@code control_group_tags})
 * @param experimentGroupTags tags every experiment node carries ({@code experiment_group_tags})
 */
public record AbTest(
    String name,
    boolean active,
    String languagePair,
    double trafficPercentage,
    List<String> controlGroupTags,
    List<String> experimentGroupTags) {

  /**
   * Checks every field.
   *
   * @param name the test's name
   * @param active whether the test runs
   * @param languagePair the pair it applies to, such as {@code en-es}
   * @param trafficPercentage the share of requests sent to the experiment group, 0 to 100
   * @param controlGroupTags the tags every control node carries
   * @param experimentGroupTags the tags every experiment node carries
   * @throws IllegalArgumentException if a field breaks its rule; the message names the field and the rule
   */
  public AbTest {
    Validation.label(name, "name");
    if (languagePair == null || !Validation.LANGUAGE_PAIR.matcher(languagePair).matches()) {
      throw new IllegalArgumentException(
          "language_pair must be two language codes of 2-3 lower-case letters joined by '-', such as"
              + " 'en-es', was '"
              + languagePair
              + "'");
    }
    if (!(trafficPercentage >= 0 && trafficPercentage <= 100)) {
      throw new IllegalArgumentException(
          "traffic_percentage must be between 0 and 100, was " + trafficPercentage);
    }
    controlGroupTags = Validation.labels(Objects.requireNonNull(controlGroupTags, "control_group_tags"),
        "control_group_tags");
    experimentGroupTags = Validation.labels(
        Objects.requireNonNull(experimentGroupTags, "experiment_group_tags"), "experiment_group_tags");
  }

  /**
   * Returns the source language of the pair.
   *
   * @return for {@code en-es}, {@code en}
   */
  public String sourceLanguage() {
    return languagePair.substring(0, languagePair.indexOf('-'));
  }

  /**
   * Returns the target language of the pair.
   *
   * @return for {@code en-es}, {@code es}
   */
  public String targetLanguage() {
    return languagePair.substring(languagePair.indexOf('-') + 1);
  }

  /**
   * Returns whether this test applies to a request: it is active and its pair is the request's pair (a
   * regional code such as {@code pt-BR} counts as its primary language {@code pt}).
   *
   * @param source the request's source language
   * @param target the request's target language
   * @return true if the test decides the request's group
   */
  public boolean appliesTo(String source, String target) {
    return active && sourceLanguage().equals(primary(source)) && targetLanguage().equals(primary(target));
  }

  private static String primary(String code) {
    int dash = code.indexOf('-');
    return dash < 0 ? code : code.substring(0, dash);
  }

  /**
   * Returns a copy with another active flag.
   *
   * @param value whether the test applies
   * @return the copy
   */
  public AbTest withActive(boolean value) {
    return new AbTest(name, value, languagePair, trafficPercentage, controlGroupTags, experimentGroupTags);
  }
}
