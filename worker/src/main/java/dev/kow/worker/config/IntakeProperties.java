package dev.kow.worker.config;

import java.time.Duration;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Kafka intake ({@code worker.intake.*}). Broker connection, security and client tuning
 * come from Spring Boot's {@code spring.kafka.*} properties.
 *
 * @param groupId the consumer group every worker of a fleet shares; default
 * {@value #DEFAULT_GROUP}
 * @param commitInterval how often completed offsets are committed; default 1s
 * @param drainTimeout on shutdown, how long in-flight work may finish before it is handed
 * back uncommitted; default 30s
 * @param registryRetry wait before re-reading a record whose schema could not be fetched;
 * default 2s
 * @param workerId identifies this worker in results and dead letters; default the host
 * name
 * @param revokeGrace when partitions are revoked, how long their in-flight calls may
 * finish before the commit (queued jobs are dropped at once); what is still running then
 * is cancelled and redone by the new owner; default 10s, well under
 * {@code max.poll.interval.ms}
 * @param kafkaHealthTimeout readiness reports Kafka DOWN when the consumer has had no
 * heartbeat with its group coordinator for this long (a broker outage); default 30s
 * @param livenessTimeout liveness reports DOWN when the poll loop has not polled for this
 * long (a stuck loop; Kubernetes then restarts the pod); default 60s
 * @param commitTimeout longest wait for a synchronous offset commit: the revoked
 * partitions' commit in a rebalance, the last commit before leaving the group, and the
 * consumer's close; default 10s
 */
@Validated
@ConfigurationProperties("worker.intake")
public record IntakeProperties(@DefaultValue(DEFAULT_GROUP) @NotBlank String groupId,
		@DefaultValue("1s") Duration commitInterval, @DefaultValue("30s") Duration drainTimeout,
		@DefaultValue("2s") Duration registryRetry, String workerId, @DefaultValue("10s") Duration revokeGrace,
		@DefaultValue("30s") Duration kafkaHealthTimeout, @DefaultValue("60s") Duration livenessTimeout,
		@DefaultValue("10s") Duration commitTimeout) {

	/** The default consumer group. */
	public static final String DEFAULT_GROUP = "kafka-ollama-worker";

	/** Fills the worker id. */
	public IntakeProperties {
		if (workerId == null || workerId.isBlank()) {
			String host = System.getenv("HOSTNAME");
			workerId = (host == null || host.isBlank() ? "worker" : host) + "-" + ProcessHandle.current().pid();
		}
	}
}
