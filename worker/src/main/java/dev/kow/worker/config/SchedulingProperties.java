package dev.kow.worker.config;

import java.time.Duration;

import java.util.Set;

import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Priority lanes and in-memory bounds ({@code worker.scheduling.*}).
 *
 * @param highWeight share of free slots given to the high lane when all lanes wait;
 * default 8
 * @param normalWeight share for the normal lane; default 3
 * @param batchWeight share for the batch lane; default 1
 * @param aging a job waiting longer than this is served next whatever its lane, so no
 * lane starves; default 60s
 * @param maxBufferedPerPartition records of one partition held in memory (waiting or in
 * flight) before that partition is paused; default 500
 * @param maxBufferedPerLane records of one lane held in memory before the lane's
 * partitions are paused; default 2000
 * @param preemption when a high-priority job may take the slot of a lower-priority one
 */
@Validated
@ConfigurationProperties("worker.scheduling")
public record SchedulingProperties(@DefaultValue("8") @Min(1) int highWeight,
		@DefaultValue("3") @Min(1) int normalWeight, @DefaultValue("1") @Min(1) int batchWeight,
		@DefaultValue("60s") Duration aging, @DefaultValue("500") @Min(1) int maxBufferedPerPartition,
		@DefaultValue("2000") @Min(1) int maxBufferedPerLane, @DefaultValue @Valid Preemption preemption) {

	/**
	 * Preemption ({@code worker.scheduling.preemption.*}): when no slot is free and a
	 * lane listed here has a job waiting and runs fewer attempts than its weighted share,
	 * the lower-lane attempt that started last is stopped, its slot goes to that job, and
	 * it is queued again at the front of its lane (see
	 * {@code dev.kow.worker.scheduling.Preemption}).
	 *
	 * @param lanes lanes whose jobs may preempt jobs of lower lanes; default
	 * {@code high}; empty turns preemption off
	 * @param maxVictimAge an attempt that has run longer than this is never preempted,
	 * which bounds the slot time one preemption throws away; default 2s
	 * @param maxPerJob how often one job may be preempted, so no job is held back for
	 * ever; default 1; 0 turns preemption off
	 */
	public record Preemption(@DefaultValue("high") Set<Lane> lanes, @DefaultValue("2s") Duration maxVictimAge,
			@DefaultValue("1") @Min(0) int maxPerJob) {
	}

	/**
	 * @return the three lane weights as one value
	 */
	public LaneWeights weights() {
		return new LaneWeights(this.highWeight, this.normalWeight, this.batchWeight);
	}
}
