package dev.kow.worker.outcome;

import dev.kow.avro.ErrorCategory;
import dev.kow.avro.Status;
import dev.kow.worker.job.Lane;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of outcomes: {@code kow.results{lane,status}} and
 * {@code kow.dead.letters{reason}}.
 */
public final class OutcomeMetrics {

	private final MeterRegistry registry;

	/**
	 * @param registry where the counters live
	 */
	public OutcomeMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void result(Lane lane, Status status) {
		this.registry.counter("kow.results", "lane", lane.key(), "status", status.name().toLowerCase()).increment();
	}

	void deadLetter(ErrorCategory reason) {
		this.registry.counter("kow.dead.letters", "reason", reason.name()).increment();
	}

}
