/**
 * Charts of JMH results: {@link io.github.switchboard.benchmarks.charts.ChartMain} reads the JSON file JMH
 * writes ({@code -rf json -rff FILE}) and draws its scores as horizontal bar charts, the peers side by side,
 * into a PNG (JFreeChart, headless). {@code docs/benchmarks.md} shows the charts and the commands.
 */
@NullMarked
package io.github.switchboard.benchmarks.charts;

import org.jspecify.annotations.NullMarked;
