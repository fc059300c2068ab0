package dev.kow.worker.intake;

import dev.kow.worker.job.Lane;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The intake's meters: per lane ({@code lane} tag) the records read and not yet done
 * ({@code kow_lane_buffered}) and the backlog ({@code kow_lane_backlog}), and the
 * partition pauses ({@code kow_intake_partition_pauses_total}).
 */
public final class IntakeMetrics implements MeterBinder {

	private final IntakeLoop loop;

	/**
	 * @param loop the intake loop to report
	 */
	public IntakeMetrics(IntakeLoop loop) {
		this.loop = loop;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		for (Lane lane : Lane.values()) {
			Gauge.builder("kow.lane.buffered", this.loop, l -> l.buffered(lane))
				.tag("lane", lane.key())
				.description("Records of the lane read and not yet done (waiting, in flight or being published)")
				.register(meters);
			Gauge.builder("kow.lane.backlog", this.loop, l -> l.backlog(lane))
				.tag("lane", lane.key())
				.description("Records of the lane not yet done: on Kafka past the fetch position, or read and not done")
				.register(meters);
		}
		FunctionCounter.builder("kow.intake.partition.pauses", this.loop, IntakeLoop::pauses)
			.description("Times a partition was paused because its partition or lane buffer was full")
			.register(meters);
	}

}
