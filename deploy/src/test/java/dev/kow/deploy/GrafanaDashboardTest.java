package dev.kow.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard parses, every panel queries Prometheus, and every worker metric
 * it uses is documented.
 */
class GrafanaDashboardTest {

	private static final Pattern METRIC = Pattern.compile("\\b(kow_[a-z_]+?)(_bucket|_sum|_count)?\\{");

	@Test
	void everyPanelQueriesAMetricTheReadmeDocuments() throws Exception {
		JsonNode dashboard = JsonMapper.builder()
			.build()
			.readTree(Files.readString(Path.of("grafana", "kafka-ollama-worker.json")));
		String readme = Files.readString(Path.of("..", "docs", "operations.md"));
		Set<String> used = new TreeSet<>();
		int panels = 0;
		for (JsonNode panel : dashboard.path("panels")) {
			if (panel.path("type").asString().equals("row")) {
				continue;
			}
			panels++;
			assertThat(panel.path("targets").size()).as(panel.path("title").asString()).isPositive();
			for (JsonNode target : panel.path("targets")) {
				Matcher matcher = METRIC.matcher(target.path("expr").asString());
				while (matcher.find()) {
					used.add(matcher.group(1));
				}
			}
		}
		assertThat(panels).isGreaterThanOrEqualTo(10);
		assertThat(used).contains("kow_lane_backlog", "kow_host_ttft_seconds", "kow_lane_queue_wait_seconds");
		assertThat(used).allSatisfy(
				metric -> assertThat(readme).as("docs/operations.md documents " + metric).contains("`" + metric));
	}

}
