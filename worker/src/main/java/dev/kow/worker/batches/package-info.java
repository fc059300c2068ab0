/**
 * Batches: the per-batch counts that {@code batch status} reads, aggregated from the
 * results topic with Kafka Streams into a compacted topic.
 */
@NullMarked
package dev.kow.worker.batches;

import org.jspecify.annotations.NullMarked;
