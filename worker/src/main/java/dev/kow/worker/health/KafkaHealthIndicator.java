package dev.kow.worker.health;

import java.time.Duration;

import dev.kow.worker.intake.IntakeLoop;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code kafka}: UP while the intake consumer keeps its heartbeats with the group
 * coordinator; DOWN when it has had none for {@code worker.intake.kafka-health-timeout}
 * (the brokers are unreachable or the coordinator is gone). In the readiness group only:
 * a Kafka outage is no reason to restart the worker, which reconnects on its own.
 * Details: seconds since the last heartbeat.
 */
public final class KafkaHealthIndicator implements HealthIndicator {

	private final IntakeLoop intake;

	private final Duration timeout;

	/**
	 * @param intake the intake loop, which reads the consumer's heartbeat metric
	 * @param timeout longest acceptable time without a heartbeat
	 */
	public KafkaHealthIndicator(IntakeLoop intake, Duration timeout) {
		this.intake = intake;
		this.timeout = timeout;
	}

	@Override
	public Health health() {
		Health.Builder health = this.intake.health()
			.kafkaUnhealthy(this.timeout)
			.map(problem -> Health.down().withDetail("reason", problem))
			.orElseGet(Health::up);
		double age = this.intake.health().heartbeatAgeSeconds();
		return health.withDetail("lastHeartbeatSecondsAgo", Double.isNaN(age) ? "none yet" : age).build();
	}

}
