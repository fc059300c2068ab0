package dev.kow.worker.config;

import java.time.Duration;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Call budgets ({@code worker.timeouts.*}). The first three are the static budgets used
 * before a (host, model) has {@code min-samples} successful calls, or always when
 * {@code adaptive=false}; after that the budgets are learned (see
 * {@code TimeoutEstimator}) and clamped to the floors and ceilings.
 *
 * @param timeToFirstToken static budget from sending a request to its first chunk;
 * default 120s
 * @param streamStall static budget for the gap between two chunks, used only until the
 * first streamed answer from the (host, model) was seen; default 10s
 * @param total static budget for a whole call; default 10m
 * @param coldLoad allowance added to the time to first token when the model is not loaded
 * on the host and no cold load was measured there yet; default 60s
 * @param adaptive whether to learn budgets; default true
 * @param minSamples successful calls per (host, model) before learned budgets apply;
 * default 5
 * @param safety multiplier on learned prefill and decode times; default 3.0
 * @param stallMultiple stall budget as a multiple of the mean chunk gap (the budget is at
 * least 1.5 x the high estimate of the longest gap per answer); default 4.0
 * @param ttftFloor lowest learned time-to-first-token budget; default 2s
 * @param ttftCeiling highest; default 10m
 * @param stallFloor lowest learned stall budget: network jitter and pauses on either side
 * must fit under it; default 250ms (jitter measured by the faults benchmark on a busy
 * machine reaches 60-90 ms)
 * @param stallCeiling highest; default 60s
 * @param totalFloor lowest learned total budget; default 5s
 * @param totalCeiling highest; default 30m
 * @param overtakenFloor lowest learned budget for the first token of a call once a call
 * sent after it to the same model on the host has had its first (Ollama serves a runner's
 * requests first come, first served); default 250ms; a value at or above the
 * time-to-first-token budget turns that check off
 */
@Validated
@ConfigurationProperties("worker.timeouts")
public record TimeoutProperties(@DefaultValue("120s") Duration timeToFirstToken,
		@DefaultValue("10s") Duration streamStall, @DefaultValue("10m") Duration total,
		@DefaultValue("60s") Duration coldLoad, @DefaultValue("true") boolean adaptive,
		@DefaultValue("5") @Min(1) int minSamples, @DefaultValue("3.0") @DecimalMin("1.0") double safety,
		@DefaultValue("4.0") @DecimalMin("1.0") double stallMultiple, @DefaultValue("2s") Duration ttftFloor,
		@DefaultValue("10m") Duration ttftCeiling, @DefaultValue("250ms") Duration stallFloor,
		@DefaultValue("60s") Duration stallCeiling, @DefaultValue("5s") Duration totalFloor,
		@DefaultValue("30m") Duration totalCeiling, @DefaultValue("250ms") Duration overtakenFloor) {

	/** Checks that every duration is positive and each floor is under its ceiling. */
	public TimeoutProperties {
		positive("time-to-first-token", timeToFirstToken);
		positive("stream-stall", streamStall);
		positive("total", total);
		positive("cold-load", coldLoad);
		range("ttft", ttftFloor, ttftCeiling);
		range("stall", stallFloor, stallCeiling);
		range("total", totalFloor, totalCeiling);
		positive("overtaken-floor", overtakenFloor);
	}

	private static void positive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(
					"worker.timeouts." + name + " must be a positive duration, but was " + value);
		}
	}

	private static void range(String name, Duration floor, Duration ceiling) {
		positive(name + "-floor", floor);
		positive(name + "-ceiling", ceiling);
		if (floor.compareTo(ceiling) > 0) {
			throw new IllegalArgumentException("worker.timeouts." + name + "-floor (" + floor
					+ ") must not exceed worker.timeouts." + name + "-ceiling (" + ceiling + ")");
		}
	}
}
