package dev.kow.worker.intake;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Liveness from polls and readiness from the consumer's heartbeat metric, on a virtual
 * clock.
 */
class ConsumerHealthTest {

	private final AtomicLong nanos = new AtomicLong(1);

	private final ConsumerHealth health = new ConsumerHealth(this.nanos::get);

	private double heartbeatAge = 0.5;

	private final Map<MetricName, Metric> metrics = Map
		.of(new MetricName("last-heartbeat-seconds-ago", "consumer-coordinator-metrics", "", Map.of()), new Metric() {
			@Override
			public MetricName metricName() {
				return new MetricName("last-heartbeat-seconds-ago", "consumer-coordinator-metrics", "", Map.of());
			}

			@Override
			public Object metricValue() {
				return ConsumerHealthTest.this.heartbeatAge;
			}
		});

	private void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

	@Test
	void aLoopThatStopsPollingOrFailedIsUnhealthy() {
		this.health.started();
		assertThat(this.health.unhealthy(Duration.ofSeconds(60))).as("no poll yet: starting").isEmpty();
		this.health.polled(() -> this.metrics);
		advance(Duration.ofSeconds(60));
		assertThat(this.health.unhealthy(Duration.ofSeconds(60))).isEmpty();
		advance(Duration.ofSeconds(1));
		assertThat(this.health.unhealthy(Duration.ofSeconds(60))).hasValue("no poll for 61 s");
		this.health.polled(() -> this.metrics);
		this.health.failed(new IllegalStateException("boom"));
		assertThat(this.health.unhealthy(Duration.ofSeconds(60))).get().asString().contains("boom");
	}

	@Test
	void heartbeatsAreReadAtMostOnceASecondAndOldOnesMakeKafkaUnhealthy() {
		this.health.started();
		assertThat(this.health.heartbeatAgeSeconds()).isNaN();
		advance(Duration.ofSeconds(31));
		assertThat(this.health.kafkaUnhealthy(Duration.ofSeconds(30)))
			.hasValue("no heartbeat to the group coordinator in 31 s since start");

		this.health.polled(() -> this.metrics);
		assertThat(this.health.heartbeatAgeSeconds()).isEqualTo(0.5);
		assertThat(this.health.kafkaUnhealthy(Duration.ofSeconds(30))).isEmpty();

		this.heartbeatAge = 45;
		advance(Duration.ofMillis(500));
		this.health.polled(() -> this.metrics);
		assertThat(this.health.heartbeatAgeSeconds()).as("read again only after a second").isEqualTo(0.5);
		advance(Duration.ofMillis(500));
		this.health.polled(() -> this.metrics);
		assertThat(this.health.kafkaUnhealthy(Duration.ofSeconds(30)))
			.hasValue("last heartbeat to the group coordinator 45 s ago");
	}

}
