package dev.kow.worker.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Publishing results and dead letters ({@code worker.outcome.*}).
 *
 * @param sendRetryDelay wait before a result or dead letter whose send failed (the
 * producer's own retries, bounded by {@code delivery.timeout.ms}, were used up) is sent
 * again; sends are retried until they succeed, so an outcome is never dropped and its
 * offset never committed without it; default 1s
 */
@Validated
@ConfigurationProperties("worker.outcome")
public record OutcomeProperties(@DefaultValue("1s") Duration sendRetryDelay) {

	/** Checks that the delay is positive. */
	public OutcomeProperties {
		if (sendRetryDelay == null || sendRetryDelay.isNegative() || sendRetryDelay.isZero()) {
			throw new IllegalArgumentException(
					"worker.outcome.send-retry-delay must be positive, but was " + sendRetryDelay);
		}
	}
}
