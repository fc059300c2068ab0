package dev.kow.worker.intake;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.jspecify.annotations.Nullable;

/**
 * Whether the intake consumer is alive and in touch with its group: the time of its last
 * poll, a failure that ended the loop, and Kafka's own {@code last-heartbeat-seconds-ago}
 * (group {@code consumer-coordinator-metrics}), read at most once a second on the intake
 * thread. Written by the intake thread, read by the health indicators.
 */
public final class ConsumerHealth {

	private static final long HEARTBEAT_READ_NANOS = 1_000_000_000L;

	private final LongSupplier nanoClock;

	private volatile long startedNanos;

	private volatile long lastPollNanos;

	/**
	 * Seconds since the last heartbeat at the last read; NaN before the first heartbeat.
	 */
	private volatile double heartbeatAgeSeconds = Double.NaN;

	private volatile @Nullable RuntimeException failure;

	private long heartbeatReadNanos;

	private @Nullable Metric heartbeatMetric;

	/**
	 * @param nanoClock monotonic clock, ns
	 */
	ConsumerHealth(LongSupplier nanoClock) {
		this.nanoClock = nanoClock;
	}

	/** The loop started. */
	void started() {
		this.startedNanos = this.nanoClock.getAsLong();
	}

	/**
	 * A poll returned; reads the heartbeat age when a second has passed since the last
	 * read.
	 * @param metrics the consumer's metrics
	 */
	void polled(Supplier<Map<MetricName, ? extends Metric>> metrics) {
		long now = this.nanoClock.getAsLong();
		this.lastPollNanos = now;
		if (now - this.heartbeatReadNanos < HEARTBEAT_READ_NANOS) {
			return;
		}
		this.heartbeatReadNanos = now;
		Metric metric = this.heartbeatMetric;
		if (metric == null) {
			metric = metrics.get()
				.entrySet()
				.stream()
				.filter(e -> "last-heartbeat-seconds-ago".equals(e.getKey().name())
						&& "consumer-coordinator-metrics".equals(e.getKey().group()))
				.map(Map.Entry::getValue)
				.findFirst()
				.orElse(null);
			this.heartbeatMetric = metric;
		}
		if (metric != null && metric.metricValue() instanceof Number age) {
			this.heartbeatAgeSeconds = age.doubleValue();
		}
	}

	/**
	 * @param error what ended the loop
	 */
	void failed(RuntimeException error) {
		this.failure = error;
	}

	/**
	 * @param maxSincePoll longest acceptable time since the last poll
	 * @return empty while the loop polls, else why it does not: it failed (the error), or
	 * its last poll is older than {@code maxSincePoll}
	 */
	public Optional<String> unhealthy(Duration maxSincePoll) {
		RuntimeException failed = this.failure;
		if (failed != null) {
			return Optional.of("intake loop failed: " + failed);
		}
		long since = this.nanoClock.getAsLong() - this.lastPollNanos;
		return this.lastPollNanos != 0 && since > maxSincePoll.toNanos()
				? Optional.of("no poll for " + Duration.ofNanos(since).toSeconds() + " s") : Optional.empty();
	}

	/**
	 * @param maxHeartbeatAge longest acceptable time since the last heartbeat
	 * @return empty while heartbeats flow (or the first one is not yet due), else why not
	 */
	public Optional<String> kafkaUnhealthy(Duration maxHeartbeatAge) {
		double age = this.heartbeatAgeSeconds;
		if (Double.isNaN(age) || age < 0) {
			long since = this.nanoClock.getAsLong() - this.startedNanos;
			return this.startedNanos != 0 && since > maxHeartbeatAge.toNanos()
					? Optional.of("no heartbeat to the group coordinator in " + Duration.ofNanos(since).toSeconds()
							+ " s since start")
					: Optional.empty();
		}
		return age > maxHeartbeatAge.toSeconds()
				? Optional.of("last heartbeat to the group coordinator " + (long) age + " s ago") : Optional.empty();
	}

	/**
	 * @return seconds since the last heartbeat to the group coordinator, NaN before the
	 * first
	 */
	public double heartbeatAgeSeconds() {
		return this.heartbeatAgeSeconds;
	}

}
