package dev.kow.demo;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;

/**
 * Counts outcomes against what was submitted: succeeded, failed, expired, dead-lettered,
 * lost (submitted ids with no result), duplicates (results beyond the first per id), and
 * end-to-end latency per priority (result {@code finished_at} minus request
 * {@code created_at}).
 */
final class Tally {

	private final Set<String> submitted;

	private final Map<String, Priority> priorities;

	private final Set<String> answered = new HashSet<>();

	private final Map<Status, Integer> statuses = new EnumMap<>(Status.class);

	private final Map<Priority, List<Long>> latencies = new EnumMap<>(Priority.class);

	private int duplicates;

	private int deadLettered;

	Tally(Map<String, Priority> priorities) {
		this.priorities = priorities;
		this.submitted = priorities.keySet();
	}

	/**
	 * @param result a result read from the results topic
	 */
	void result(InferenceResult result) {
		if (!this.submitted.contains(result.getRequestId())) {
			return;
		}
		if (!this.answered.add(result.getRequestId())) {
			this.duplicates++;
			return;
		}
		this.statuses.merge(result.getStatus(), 1, Integer::sum);
		Priority priority = this.priorities.get(result.getRequestId());
		this.latencies.computeIfAbsent(priority, p -> new ArrayList<>())
			.add(result.getFinishedAt().toEpochMilli() - result.getRequestCreatedAt().toEpochMilli());
	}

	/** Counts one dead letter. */
	void deadLetter() {
		this.deadLettered++;
	}

	/**
	 * @return distinct submitted ids answered
	 */
	int answered() {
		return this.answered.size();
	}

	/**
	 * @return whether every submitted id has a result
	 */
	boolean complete() {
		return this.answered.size() >= this.submitted.size();
	}

	/**
	 * @return the summary in the shape the README documents
	 */
	Map<String, Object> summary(String ollama, double elapsedSeconds) {
		Map<String, Object> summary = new LinkedHashMap<>();
		summary.put("submitted", this.submitted.size());
		summary.put("succeeded", this.statuses.getOrDefault(Status.SUCCEEDED, 0));
		summary.put("failed", this.statuses.getOrDefault(Status.FAILED, 0));
		summary.put("expired", this.statuses.getOrDefault(Status.EXPIRED, 0));
		summary.put("dead_lettered", this.deadLettered);
		summary.put("lost", this.submitted.size() - this.answered.size());
		summary.put("duplicates", this.duplicates);
		Map<String, Object> latency = new LinkedHashMap<>();
		for (Priority priority : Priority.values()) {
			List<Long> values = new ArrayList<>(this.latencies.getOrDefault(priority, List.of()));
			values.sort(null);
			Map<String, Object> percentiles = new LinkedHashMap<>();
			percentiles.put("count", values.size());
			percentiles.put("p50", percentile(values, 0.50));
			percentiles.put("p95", percentile(values, 0.95));
			percentiles.put("p99", percentile(values, 0.99));
			latency.put(priority.key(), percentiles);
		}
		summary.put("latency_ms", latency);
		summary.put("ollama", ollama);
		summary.put("elapsed_s", Math.round(elapsedSeconds * 10) / 10.0);
		return summary;
	}

	/**
	 * @return a human-readable table of a summary
	 */
	@SuppressWarnings("unchecked")
	static String table(Map<String, Object> summary) {
		StringBuilder out = new StringBuilder();
		for (String key : List.of("submitted", "succeeded", "failed", "expired", "dead_lettered", "lost",
				"duplicates")) {
			out.append(String.format("  %-14s %8s%n", key, summary.get(key)));
		}
		out.append(String.format("  %-14s %8s %8s %8s %8s%n", "latency (ms)", "count", "p50", "p95", "p99"));
		Map<String, Object> latency = (Map<String, Object>) summary.get("latency_ms");
		latency.forEach((lane, value) -> {
			Map<String, Object> p = (Map<String, Object>) value;
			out.append(String.format("  %-14s %8s %8s %8s %8s%n", lane, p.get("count"), p.get("p50"), p.get("p95"),
					p.get("p99")));
		});
		return out.toString();
	}

	private static long percentile(List<Long> sorted, double q) {
		if (sorted.isEmpty()) {
			return 0;
		}
		int index = (int) Math.ceil(q * sorted.size()) - 1;
		return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
	}

}
