package io.github.switchboard.pool;

import io.github.switchboard.pool.internal.codec.PoolCodec;
import java.util.List;

/**
 * The JSON forms of the pool's types, as the pool file and the coordinator HTTP API use them (the original
 * system's snake_case format). Thread-safe; every method is static.
 */
public final class PoolJson {
  private PoolJson() {}

  /**
   * Reads one node, for example an HTTP request body; unknown and runtime fields are ignored.
   *
   * @param json a JSON object in the node format
   * @return the node
   * @throws PoolFormatException if the text is not a valid node; the message names the field and the rule
   */
  public static DecoderNode readNode(String json) {
    return PoolCodec.readNode(json);
  }

  /**
   * Writes one node's configuration (never its runtime state).
   *
   * @param node the node
   * @return compact JSON
   */
  public static String writeNode(DecoderNode node) {
    return PoolCodec.writeNode(node);
  }

  /**
   * Writes one node with its runtime state, as {@code GET /api/v1/decoders/{id}} returns it.
   *
   * @param view the node and its state
   * @return compact JSON
   */
  public static String writeView(NodeView view) {
    return PoolCodec.writeView(view);
  }

  /**
   * Writes nodes with their runtime state as {@code {"nodes": [...]}}.
   *
   * @param views the nodes
   * @return compact JSON
   */
  public static String writeViews(List<NodeView> views) {
    return PoolCodec.writeViews(views);
  }

  /**
   * Reads a heartbeat body such as {@code {"load": 12}} or {@code {"load": 12, "inflight": 3}}.
   *
   * @param json a JSON object
   * @return the load
   * @throws PoolFormatException if the text is not an object or a field is invalid
   */
  public static NodeLoad readLoad(String json) {
    return PoolCodec.readLoad(json);
  }

  /**
   * Writes a heartbeat body.
   *
   * @param load the load
   * @return compact JSON
   */
  public static String writeLoad(NodeLoad load) {
    return PoolCodec.writeLoad(load);
  }
}
