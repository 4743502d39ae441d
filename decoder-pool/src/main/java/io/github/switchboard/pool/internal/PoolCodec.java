package io.github.switchboard.pool.internal;

import io.github.switchboard.pool.AbTest;
import io.github.switchboard.pool.DecoderNode;
import io.github.switchboard.pool.NodeLoad;
import io.github.switchboard.pool.NodeRuntime;
import io.github.switchboard.pool.NodeView;
import io.github.switchboard.pool.PoolFormatException;
import java.util.List;
import java.util.Optional;

/**
 * The pool JSON codec as this package's entry points name it: each method is the one of
 * {@link io.github.switchboard.pool.internal.codec.PoolCodec} (where the rules and their documentation
 * are), with documents as {@link PoolDocument}.
 */
public final class PoolCodec {
  /** The longest string value. */
  public static final int MAX_STRING_LENGTH = io.github.switchboard.pool.internal.codec.PoolCodec.MAX_STRING_LENGTH;
  /** The longest single value (a node, a runtime state, a load, an A/B test). */
  public static final int MAX_VALUE_LENGTH = io.github.switchboard.pool.internal.codec.PoolCodec.MAX_VALUE_LENGTH;

  private PoolCodec() {}

  /**
   * A node as stored, with whether it is configured.
   *
   * @param node the node
   * @param configured true for a configured node
   */
  public record StoredNode(DecoderNode node, boolean configured) {}

  /**
   * Reads a pool file.
   *
   * @param json the file's bytes (UTF-8)
   * @param source a name for messages
   * @return the document
   * @throws PoolFormatException if the content breaks a rule
   */
  public static PoolDocument readDocument(byte[] json, String source) {
    return PoolDocument.of(io.github.switchboard.pool.internal.codec.PoolCodec.readDocument(json, source));
  }

  /**
   * Reads a pool file.
   *
   * @param json the file's text
   * @param source a name for messages
   * @return the document
   * @throws PoolFormatException if the content breaks a rule
   */
  public static PoolDocument readDocument(String json, String source) {
    return PoolDocument.of(io.github.switchboard.pool.internal.codec.PoolCodec.readDocument(json, source));
  }

  /**
   * Writes a pool file.
   *
   * @param doc the document
   * @return the file's bytes
   */
  public static byte[] writeDocument(PoolDocument doc) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.writeDocument(doc.toCodec());
  }

  /**
   * Reads a node.
   *
   * @param json the JSON
   * @return the node
   */
  public static DecoderNode readNode(String json) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.readNode(json);
  }

  /**
   * Writes a node.
   *
   * @param node the node
   * @return compact JSON
   */
  public static String writeNode(DecoderNode node) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.writeNode(node);
  }

  /**
   * Reads a stored node.
   *
   * @param json the JSON
   * @return the node and whether it is configured
   */
  public static StoredNode readStoredNode(String json) {
    var s = io.github.switchboard.pool.internal.codec.PoolCodec.readStoredNode(json);
    return new StoredNode(s.node(), s.configured());
  }

  /**
   * Writes a stored node.
   *
   * @param node the node
   * @param configured whether it is configured
   * @return compact JSON
   */
  public static String writeStoredNode(DecoderNode node, boolean configured) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.writeStoredNode(node, configured);
  }

  /**
   * Writes nodes with their runtime state as {@code {"nodes": [...]}}.
   *
   * @param views the views
   * @return compact JSON
   */
  public static String writeViews(List<NodeView> views) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.writeViews(views);
  }

  /**
   * Reads a load.
   *
   * @param json the JSON
   * @return the load
   */
  public static NodeLoad readLoad(String json) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.readLoad(json);
  }

  /**
   * Reads the load a health endpoint reports, if its body has one.
   *
   * @param body the body
   * @return the load, or empty
   */
  public static Optional<NodeLoad> readHealthLoad(String body) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.readHealthLoad(body);
  }

  /**
   * Reads a runtime state.
   *
   * @param json the JSON
   * @return the state
   */
  public static NodeRuntime readRuntime(String json) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.readRuntime(json);
  }

  /**
   * Writes a runtime state.
   *
   * @param runtime the state
   * @return compact JSON
   */
  public static String writeRuntime(NodeRuntime runtime) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.writeRuntime(runtime);
  }

  /**
   * Reads an A/B test.
   *
   * @param json the JSON
   * @return the test
   */
  public static AbTest readAbTest(String json) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.readAbTest(json);
  }

  /**
   * Writes an A/B test.
   *
   * @param test the test
   * @return compact JSON
   */
  public static String writeAbTest(AbTest test) {
    return io.github.switchboard.pool.internal.codec.PoolCodec.writeAbTest(test);
  }
}
