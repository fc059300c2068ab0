package dev.kow.worker.health;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.HostStatus;
import dev.kow.worker.hosts.OllamaHost;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code hostPool}: UP while at least one Ollama host can take work (its breaker is not
 * open), DOWN when every breaker is open, so a worker with no usable GPU host leaves the
 * readiness set. Details per host: circuit state, adaptive limit, in flight, configured
 * slots.
 */
public final class HostPoolHealthIndicator implements HealthIndicator {

	private final HostPool pool;

	/**
	 * @param pool the hosts
	 */
	public HostPoolHealthIndicator(HostPool pool) {
		this.pool = pool;
	}

	@Override
	public Health health() {
		boolean usable = false;
		Map<String, Object> hosts = new LinkedHashMap<>();
		for (OllamaHost host : this.pool.hosts()) {
			HostStatus status = this.pool.status(host);
			usable |= status.usable();
			hosts.put(status.id(), Map.of("circuit", status.circuit(), "limit", status.limit(), "inFlight",
					status.inFlight(), "slots", status.slots()));
		}
		return (usable ? Health.up() : Health.down().withDetail("reason", "every host's circuit breaker is open"))
			.withDetail("hosts", hosts)
			.build();
	}

}
