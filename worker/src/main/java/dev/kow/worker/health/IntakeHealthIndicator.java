package dev.kow.worker.health;

import java.time.Duration;

import dev.kow.worker.intake.IntakeLoop;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code intake}: UP while the Kafka intake loop polls; DOWN when it failed (it left the
 * group) or has not polled for {@code maxSincePoll}. A worker with no partition (more
 * workers than partitions) is UP: it is a healthy standby. Details: partitions assigned
 * at the last poll.
 */
public final class IntakeHealthIndicator implements HealthIndicator {

	private final IntakeLoop intake;

	private final Duration maxSincePoll;

	/**
	 * @param intake the intake loop
	 * @param maxSincePoll longest acceptable time between two polls
	 */
	public IntakeHealthIndicator(IntakeLoop intake, Duration maxSincePoll) {
		this.intake = intake;
		this.maxSincePoll = maxSincePoll;
	}

	@Override
	public Health health() {
		Health.Builder health = this.intake.health()
			.unhealthy(this.maxSincePoll)
			.map(problem -> Health.down().withDetail("reason", problem))
			.orElseGet(Health::up);
		return health.withDetail("assignedPartitions", this.intake.assigned()).build();
	}

}
