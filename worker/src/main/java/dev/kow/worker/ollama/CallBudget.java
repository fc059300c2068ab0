package dev.kow.worker.ollama;

import java.time.Duration;

/**
 * The time budgets of one call.
 * @param timeToFirstToken from sending the request to the first chunk (covers a cold load and prefill)
 * @param streamStall longest gap between two chunks
 * @param total the whole call
 */
public record CallBudget(Duration timeToFirstToken, Duration streamStall, Duration total) {
}
