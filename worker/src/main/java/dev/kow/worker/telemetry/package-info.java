/**
 * Traces and the OpenTelemetry GenAI vocabulary: a span per job continued from the
 * request record's W3C {@code traceparent}, a child span per Ollama attempt with the
 * GenAI semantic-convention attributes, the trace context on the Ollama call and on the
 * result and dead-letter records, the GenAI client metrics, and the histogram boundaries
 * every duration meter of the worker uses.
 */
@NullMarked
package dev.kow.worker.telemetry;

import org.jspecify.annotations.NullMarked;
