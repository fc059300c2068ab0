package dev.kow.worker.intake;

import dev.kow.avro.ErrorCategory;

/**
 * Why a record is dead-lettered without calling Ollama.
 *
 * @param category the dead-letter reason
 * @param message detail (never prompt text)
 */
public record Rejection(ErrorCategory category, String message) {
}
