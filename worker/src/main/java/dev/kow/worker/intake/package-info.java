/**
 * The Kafka side: the poll loop and its parts (decoding, validation, partition registry,
 * backpressure, revocation, commits, consumer health).
 */
@NullMarked
package dev.kow.worker.intake;

import org.jspecify.annotations.NullMarked;
