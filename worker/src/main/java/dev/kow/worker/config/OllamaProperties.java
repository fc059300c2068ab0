package dev.kow.worker.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Ollama host pool and how calls to it are bounded ({@code worker.ollama.*}).
 *
 * @param hosts the hosts; at least one; default one host at http://127.0.0.1:11434 with 1
 * slot
 * @param keepAlive {@code keep_alive} sent when a request gives none; default 30m (keeps
 * models warm between batches)
 * @param maxPromptChars prompts longer than this (all text of the request, in chars) are
 * dead-lettered as PROMPT_TOO_LONG without calling Ollama; default 200000
 * @param truncatePrompts whether Ollama may cut a prompt that does not fit the model's
 * context window (its default, silent: the answer is to a different prompt); false (the
 * default) sends {@code truncate:false}, so such a request is refused by Ollama (400) and
 * dead-lettered as PROMPT_TOO_LONG
 * @param healthInterval how often each host's {@code /api/ps} is read for warm models;
 * default 10s
 * @param retry retries of retryable failures
 * @param breaker per-host circuit breaker
 * @param slotSharing how the workers of a consumer group split each host's slots
 * @param routing how a host is chosen among those with a free slot
 * @param http the HTTP client's connection pool and timeouts
 */
@Validated
@ConfigurationProperties("worker.ollama")
public record OllamaProperties(@DefaultValue @NotEmpty List<@Valid HostProperties> hosts,
		@DefaultValue("30m") String keepAlive, @DefaultValue("200000") @Min(1) int maxPromptChars,
		@DefaultValue("false") boolean truncatePrompts, @DefaultValue("10s") Duration healthInterval,
		@DefaultValue @Valid Retry retry, @DefaultValue @Valid Breaker breaker,
		@DefaultValue @Valid Sharing slotSharing, @DefaultValue @Valid Routing routing,
		@DefaultValue @Valid Http http) {

	/**
	 * The Reactor Netty client that calls the hosts ({@code worker.ollama.http.*}). One
	 * connection pool per host; a call holds one connection for its whole stream.
	 *
	 * @param maxConnections connections per host; default 256, well above any host's
	 * slots, so a call never waits for a connection
	 * @param maxIdleTime an idle connection is closed after this; default 30s (Ollama
	 * keeps HTTP/1.1 connections open)
	 * @param connectTimeout TCP connect timeout (a host that is down fails fast and is
	 * retried elsewhere); default 5s
	 * @param eventLoopThreads Netty event-loop threads for all hosts (they only frame
	 * NDJSON lines); default 2
	 */
	public record Http(@DefaultValue("256") @Min(1) int maxConnections, @DefaultValue("30s") Duration maxIdleTime,
			@DefaultValue("5s") Duration connectTimeout, @DefaultValue("2") @Min(1) @Max(64) int eventLoopThreads) {
	}

	/**
	 * Host choice ({@code worker.ollama.routing.*}). Among hosts with a free slot (warm
	 * model first), the one with the lowest in flight / capacity +
	 * {@code failure-penalty} x recent failure rate wins.
	 *
	 * @param failurePenalty load added per unit of a host's recent failure rate (host
	 * failures per attempt: connection errors, 5xx, timeouts, stalls, truncated streams);
	 * default 10, so a host failing 10 % of its attempts ranks as if full and gets work
	 * when the others are busy; 0 ignores failures
	 * @param failureHalfLife time after which a past attempt counts half in that rate;
	 * default 60s
	 * @param degradedFailureRate recent failure rate (0 to 1) from which a host is
	 * degraded: a job that could only go there while a healthy host serving its model is
	 * busy waits for a healthy slot first; default 0.1; 1 turns this off
	 * @param degradedMaxHold longest such wait, from the time the job entered its lane
	 * (the wait is two expected intervals between healthy slot releases, at most this);
	 * default 2s; 0 turns it off
	 */
	public record Routing(@DefaultValue("10") @DecimalMin("0") double failurePenalty,
			@DefaultValue("60s") Duration failureHalfLife,
			@DefaultValue("0.1") @DecimalMin("0.01") @DecimalMax("1") double degradedFailureRate,
			@DefaultValue("2s") Duration degradedMaxHold) {

		/** Checks that the hold is not negative. */
		public Routing {
			if (degradedMaxHold == null || degradedMaxHold.isNegative()) {
				throw new IllegalArgumentException(
						"worker.ollama.routing.degraded-max-hold must be zero or positive, but was " + degradedMaxHold);
			}
		}
	}

	/**
	 * How a fleet shares each host's slots ({@code worker.ollama.slot-sharing.*}).
	 *
	 * @param mode {@code demand} (the default): the fleet splits each host's slots by
	 * demand, from what every worker publishes to {@code worker.topics.fleet-state}, so a
	 * host's {@code slots} is its {@code OLLAMA_NUM_PARALLEL} for the whole fleet;
	 * {@code static}: split equally among the consumer group's members that hold
	 * partitions, read from the broker (Kafka Admin {@code describeConsumerGroups}), kept
	 * for comparison; {@code none}: every worker uses every host with all of its
	 * {@code slots}
	 * @param interval {@code static}: how often the group's membership is read again (and
	 * at once after a rebalance of this worker); default 2s
	 * @param refresh {@code demand}: how often each worker publishes its state and
	 * recomputes the allocation; default 250ms
	 * @param staleAfter {@code demand}: a worker whose state is older than this (it died
	 * or stalled) loses its slots; default 3s
	 */
	public record Sharing(@DefaultValue("demand") Mode mode, @DefaultValue("2s") Duration interval,
			@DefaultValue("250ms") Duration refresh, @DefaultValue("3s") Duration staleAfter) {

		/** Slot sharing modes. */
		public enum Mode {

			/**
			 * Split each host's slots by demand, fleet-wide (see
			 * {@code dev.kow.worker.fleet}).
			 */
			DEMAND,
			/**
			 * Split each host's slots equally among the group's members that hold
			 * partitions.
			 */
			STATIC,
			/** Each worker uses all slots of every host. */
			NONE

		}

	}

	/**
	 * Retries ({@code worker.ollama.retry.*}); backoff is exponential with jitter,
	 * computed by Resilience4j.
	 *
	 * @param maxAttempts attempts per request including the first; default 4, 1 to 20
	 * @param initialBackoff backoff before the second attempt; default 500ms
	 * @param multiplier backoff growth per attempt; default 2.0
	 * @param maxBackoff backoff ceiling; default 30s
	 */
	public record Retry(@DefaultValue("4") @Min(1) @Max(20) int maxAttempts,
			@DefaultValue("500ms") Duration initialBackoff, @DefaultValue("2.0") double multiplier,
			@DefaultValue("30s") Duration maxBackoff) {
	}

	/**
	 * Per-host circuit breaker ({@code worker.ollama.breaker.*}), a Resilience4j
	 * count-based window.
	 *
	 * @param failureRateThreshold percentage of failed calls that opens the breaker;
	 * default 50
	 * @param window calls in the sliding window; default 10
	 * @param minimumCalls calls before the rate is evaluated; default 4
	 * @param openFor time an open breaker rejects calls before half-open probing (probes
	 * are cheap {@code GET /} calls, so a host that is back gets work again within about
	 * {@code open-for + probe-interval}); default 1s
	 * @param probeInterval how often half-open hosts are probed with {@code GET /};
	 * default 1s
	 */
	public record Breaker(@DefaultValue("50") @Min(1) @Max(100) int failureRateThreshold,
			@DefaultValue("10") @Min(1) int window, @DefaultValue("4") @Min(1) int minimumCalls,
			@DefaultValue("1s") Duration openFor, @DefaultValue("1s") Duration probeInterval) {
	}

	/** Applies the default host and checks the cross-field rules. */
	public OllamaProperties {
		if (hosts == null || hosts.isEmpty()) {
			hosts = List.of(new HostProperties("127.0.0.1:11434", java.net.URI.create("http://127.0.0.1:11434"), 1,
					List.of(), null, null, null));
		}
		if (new HashSet<>(hosts.stream().map(HostProperties::id).toList()).size() != hosts.size()) {
			throw new IllegalArgumentException("worker.ollama.hosts[].id must be unique, but was "
					+ hosts.stream().map(HostProperties::id).toList());
		}
	}
}
