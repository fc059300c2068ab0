package dev.kow.worker.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The batch counts ({@code worker.batches.*}) that {@code batch status} reads.
 *
 * @param enabled whether this worker runs its part of the aggregation (a Kafka Streams
 * application with {@code application.id} {@code <worker.intake.group-id>-batches});
 * default true. With every worker of a fleet disabled, {@code batch status} shows no
 * progress
 * @param commitInterval how often the counts are published (Kafka Streams
 * {@code commit.interval.ms}; updates in between are folded into one record per batch);
 * default 1s
 */
@Validated
@ConfigurationProperties("worker.batches")
public record BatchesProperties(@DefaultValue("true") boolean enabled, @DefaultValue("1s") Duration commitInterval) {

	/** Checks the interval. */
	public BatchesProperties {
		if (commitInterval == null || commitInterval.isNegative() || commitInterval.isZero()) {
			throw new IllegalArgumentException(
					"worker.batches.commit-interval must be positive, but was " + commitInterval);
		}
	}

}
