package dev.kow.worker.health;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.OllamaHost;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code hostPool}: UP while at least one Ollama host can take work (its breaker is not open), DOWN
 * when every breaker is open, so a worker with no usable GPU host leaves the readiness set. Details
 * per host: circuit state, adaptive limit, in flight, configured slots.
 */
public final class HostPoolHealthIndicator implements HealthIndicator {

	private final HostPool pool;

	/** @param pool the hosts */
	public HostPoolHealthIndicator(HostPool pool) {
		this.pool = pool;
	}

	@Override
	public Health health() {
		boolean usable = false;
		Map<String, Object> hosts = new LinkedHashMap<>();
		for (OllamaHost host : this.pool.hosts()) {
			CircuitBreaker.State state = host.breaker().getState();
			usable |= state == CircuitBreaker.State.CLOSED || state == CircuitBreaker.State.HALF_OPEN;
			hosts.put(host.id(), Map.of("circuit", state.name(), "limit", host.limit().current(), "inFlight",
					this.pool.inFlight(host), "slots", host.slots()));
		}
		return (usable ? Health.up() : Health.down().withDetail("reason", "every host's circuit breaker is open"))
			.withDetail("hosts", hosts)
			.build();
	}
}
