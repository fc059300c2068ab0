package dev.kow.worker.scheduling;

import dev.kow.worker.job.Lane;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** Jobs waiting for a slot, per lane ({@code kow_lane_waiting}, tag {@code lane}). */
public final class SchedulerMetrics implements MeterBinder {

	private final LaneScheduler scheduler;

	/**
	 * @param scheduler the scheduler to report
	 */
	public SchedulerMetrics(LaneScheduler scheduler) {
		this.scheduler = scheduler;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		for (Lane lane : Lane.values()) {
			Gauge.builder("kow.lane.waiting", this.scheduler, s -> s.waiting(lane))
				.tag("lane", lane.key())
				.description("Jobs of the lane waiting for a slot")
				.register(meters);
		}
	}

}
