package dev.kow.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard (shipped in the chart, {@code dashboards/}) parses, every panel
 * queries Prometheus, it shows fleet tokens/s, success ratio, end-to-end latency,
 * committed lag and the JVM, and every worker metric it uses is documented.
 */
class GrafanaDashboardTest {

	private static final Pattern METRIC = Pattern.compile("\\b((?:kow|gen_ai)_[a-z_]+?)(_bucket|_sum|_count)?\\{");

	@Test
	void everyPanelQueriesAMetricTheReadmeDocuments() throws Exception {
		JsonNode dashboard = JsonMapper.builder()
			.build()
			.readTree(
					Files.readString(Path.of("helm", "kafka-ollama-worker", "dashboards", "kafka-ollama-worker.json")));
		String readme = Files.readString(Path.of("..", "docs", "operations.md"));
		Set<String> used = new TreeSet<>();
		List<String> exprs = new ArrayList<>();
		int panels = 0;
		for (JsonNode panel : dashboard.path("panels")) {
			if (panel.path("type").asString().equals("row")) {
				continue;
			}
			panels++;
			assertThat(panel.path("targets").size()).as(panel.path("title").asString()).isPositive();
			for (JsonNode target : panel.path("targets")) {
				exprs.add(target.path("expr").asString());
				Matcher matcher = METRIC.matcher(target.path("expr").asString());
				while (matcher.find()) {
					used.add(matcher.group(1));
				}
			}
		}
		assertThat(panels).isGreaterThanOrEqualTo(18);
		assertThat(used).contains("kow_lane_backlog", "kow_host_ttft_seconds", "kow_lane_queue_wait_seconds",
				"kow_generated_tokens_total", "kow_prompt_tokens_total", "kow_results_total",
				"kow_end_to_end_latency_seconds", "gen_ai_client_inference_duration_seconds");
		assertThat(exprs).as("committed lag and the JVM")
			.anySatisfy(expr -> assertThat(expr).contains("kafka_consumergroup_lag"))
			.anySatisfy(expr -> assertThat(expr).contains("jvm_memory_used_bytes"))
			.anySatisfy(expr -> assertThat(expr).contains("jvm_gc_pause_seconds"));
		assertThat(used).allSatisfy(
				metric -> assertThat(readme).as("docs/operations.md documents " + metric).contains("`" + metric));
	}

}
