package dev.kow.worker.outcome;

import java.time.Duration;
import java.util.Locale;

import dev.kow.avro.ErrorCategory;
import dev.kow.avro.Status;
import dev.kow.worker.job.Lane;
import dev.kow.worker.telemetry.Buckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Outcome meters; label values lower case:
 * <ul>
 * <li>{@code kow.results{lane,status}} (counter): results published, {@code status} =
 * {@code succeeded}, {@code failed} or {@code expired};</li>
 * <li>{@code kow.end.to.end.latency{lane,status}} (timer, 10 ms to 24 h): from the
 * request's {@code created_at} (the producer's clock) to its result;</li>
 * <li>{@code kow.dead.letters{reason}} (counter): dead letters published, by error
 * category ({@code unknown_model}, {@code malformed_record}, ...).</li>
 * </ul>
 */
public final class OutcomeMetrics {

	private final MeterRegistry registry;

	/**
	 * @param registry where the meters live
	 */
	public OutcomeMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void result(Lane lane, Status status, Duration endToEnd) {
		String label = status.name().toLowerCase(Locale.ROOT);
		Counter.builder("kow.results")
			.tag("lane", lane.key())
			.tag("status", label)
			.description("Results published")
			.register(this.registry)
			.increment();
		Timer.builder("kow.end.to.end.latency")
			.tag("lane", lane.key())
			.tag("status", label)
			.description("From the request's created_at to its result")
			.serviceLevelObjectives(Buckets.waits())
			.register(this.registry)
			.record(endToEnd);
	}

	void deadLetter(ErrorCategory reason) {
		Counter.builder("kow.dead.letters")
			.tag("reason", reason.name().toLowerCase(Locale.ROOT))
			.description("Dead letters published, by error category")
			.register(this.registry)
			.increment();
	}

}
