package dev.kow.sim;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator over real HTTP, checked against {@code docs/ollama-behaviour.md}, "What
 * the simulator implements".
 */
class OllamaSimulatorTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private OllamaSimulator sim = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01));

	@AfterEach
	void stop() {
		this.sim.close();
	}

	private HttpResponse<String> post(String path, String body) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create(this.sim.baseUrl() + path))
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create(this.sim.baseUrl() + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void healthVersionAndRoutes() throws Exception {
		assertThat(get("/").body()).isEqualTo("Ollama is running");
		assertThat(JSON.readTree(get("/api/version").body()).path("version").asString())
			.isEqualTo(SimConfig.DEFAULT_VERSION);
		HttpResponse<String> unknown = get("/api/nothing");
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat(unknown.body()).isEqualTo("404 page not found");
		HttpResponse<String> wrongMethod = get("/api/generate");
		assertThat(wrongMethod.statusCode()).isEqualTo(405);
		assertThat(wrongMethod.body()).isEqualTo("405 method not allowed");
		assertThat(JSON.readTree(get("/api/tags").body()).path("models").size()).isGreaterThan(3);
	}

	@Test
	void streamsDeltasThenExactlyOneFinalChunkWithMetrics() throws Exception {
		HttpResponse<String> response = post("/api/generate",
				"{\"model\":\"llama3.1:8b\",\"prompt\":\"Why is the sky blue?\",\"options\":{\"num_predict\":30}}");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
		List<JsonNode> lines = response.body().lines().map(JSON::readTree).toList();
		assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(line -> {
			assertThat(line.path("done").asBoolean()).isFalse();
			assertThat(line.has("eval_count")).isFalse();
		});
		JsonNode last = lines.get(lines.size() - 1);
		assertThat(last.path("done").asBoolean()).isTrue();
		assertThat(last.path("done_reason").asString()).isEqualTo("length");
		assertThat(last.path("eval_count").asInt()).isEqualTo(30);
		long total = last.path("total_duration").asLong();
		assertThat(total).isGreaterThanOrEqualTo(last.path("load_duration").asLong()
				+ last.path("prompt_eval_duration").asLong() + last.path("eval_duration").asLong());
		assertThat(last.path("model").asString()).isEqualTo("llama3.1:8b");
		String text = lines.stream().map(l -> l.path("response").asString("")).reduce("", String::concat);
		HttpResponse<String> again = post("/api/generate",
				"{\"model\":\"llama3.1:8b\",\"prompt\":\"Why is the sky blue?\",\"stream\":false,\"options\":{\"num_predict\":30}}");
		assertThat(JSON.readTree(again.body()).path("response").asString()).as("deterministic").isEqualTo(text);
	}

	@Test
	void theRequestLogTellsCompletedAnswersFromClientsThatLeftAndHostsThatWentDownAndCameBack() throws Exception {
		post("/api/generate", "{\"model\":\"llama3.1:8b\",\"prompt\":\"done hi\",\"options\":{\"num_predict\":5}}");
		this.sim.faults().next(Fault.STALL_MIDSTREAM, Fault.STALL_MIDSTREAM);
		readFirstLineThenClose("left");
		readFirstLineThenDown("down");
		await(() -> this.sim.requestLog().entries().size() == 3);
		List<RequestLog.Entry> entries = this.sim.requestLog().entries();
		RequestLog.Entry done = entry(entries, "done");
		assertThat(done.completed()).isTrue();
		assertThat(done.clientGone()).isFalse();
		assertThat(done.chunks()).isPositive();
		assertThat(done.lastChunkAtMs()).isGreaterThanOrEqualTo(done.firstChunkAtMs()).isPositive();
		RequestLog.Entry left = entry(entries, "left");
		assertThat(left.completed()).isFalse();
		assertThat(left.clientGone()).isTrue();
		assertThat(left.finishedAtMs()).isGreaterThanOrEqualTo(left.lastChunkAtMs());
		RequestLog.Entry down = entry(entries, "down");
		assertThat(down.completed()).isFalse();
		assertThat(down.clientGone()).as("closed by the host going down, not by the client").isFalse();
		await(() -> {
			try {
				return get("/").statusCode() == 200;
			}
			catch (Exception stillDown) {
				return false;
			}
		});
	}

	private void readFirstLineThenClose(String tag) throws Exception {
		try (java.net.Socket socket = openStream(tag)) {
			// closing the socket is the client leaving
		}
	}

	private void readFirstLineThenDown(String tag) throws Exception {
		try (java.net.Socket socket = openStream(tag)) {
			this.sim.downFor(Duration.ofMillis(200));
		}
	}

	/**
	 * A raw HTTP/1.1 request whose answer stalls; returns once the first chunk arrived.
	 */
	private java.net.Socket openStream(String tag) throws Exception {
		java.net.Socket socket = new java.net.Socket("127.0.0.1", this.sim.port());
		String body = "{\"model\":\"llama3.1:8b\",\"prompt\":\"" + tag + " hi\"}";
		socket.getOutputStream()
			.write(("POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
					+ "Content-Length: " + body.length() + "\r\n\r\n" + body)
				.getBytes(StandardCharsets.UTF_8));
		BufferedReader reader = new BufferedReader(
				new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
		String line;
		while ((line = reader.readLine()) != null && !line.contains("\"done\":false")) {
			// status line, headers, chunk sizes
		}
		return socket;
	}

	private static RequestLog.Entry entry(List<RequestLog.Entry> entries, String tag) {
		return entries.stream().filter(e -> e.tag().equals(tag)).findFirst().orElseThrow();
	}

	private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!condition.getAsBoolean() && System.nanoTime() < until) {
			Thread.sleep(20);
		}
		assertThat(condition.getAsBoolean()).isTrue();
	}

	@Test
	void headersWaitForTheFirstToken() throws Exception {
		this.sim.close();
		this.sim = OllamaSimulator.start(SimConfig.defaults().withTimeScale(1.0));
		this.sim.faults().slowFirstToken(Duration.ofSeconds(3)).next(Fault.SLOW_FIRST_TOKEN);
		CompletableFuture<HttpResponse<InputStream>> headers = this.http
			.sendAsync(HttpRequest.newBuilder(URI.create(this.sim.baseUrl() + "/api/generate"))
				.POST(HttpRequest.BodyPublishers
					.ofString("{\"model\":\"llama3.1:8b\",\"prompt\":\"hi\",\"options\":{\"num_predict\":2}}"))
				.build(), HttpResponse.BodyHandlers.ofInputStream());
		Thread.sleep(1000);
		assertThat(headers).as("no status line before the first token").isNotDone();
		HttpResponse<InputStream> response = headers.get(20, TimeUnit.SECONDS);
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			assertThat(JSON.readTree(reader.readLine()).path("done").asBoolean()).isFalse();
		}
	}

	@Test
	void aPromptOverTheContextIsCutToAboutHalfTheWindowSilentlyOrRefusedWithTruncateFalse() throws Exception {
		String longPrompt = "word ".repeat(2000); // far over a 256-token window
		String options = ",\"options\":{\"num_ctx\":256,\"num_predict\":3}";
		HttpResponse<String> cut = post("/api/generate",
				"{\"model\":\"llama3.1:8b\",\"prompt\":\"" + longPrompt + "\"" + options + "}");
		assertThat(cut.statusCode()).isEqualTo(200);
		JsonNode last = JSON.readTree(cut.body().lines().reduce((a, b) -> b).orElseThrow());
		assertThat(last.path("prompt_eval_count").asInt()).as("num_ctx - (num_ctx - num_keep) / 2")
			.isEqualTo(256 - (256 - 4) / 2);

		String messages = "[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\""
				+ longPrompt
				+ "\"},{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"and now?\"}]";
		HttpResponse<String> chat = post("/api/chat",
				"{\"model\":\"llama3.1:8b\",\"messages\":" + messages + options + "}");
		JsonNode chatLast = JSON.readTree(chat.body().lines().reduce((a, b) -> b).orElseThrow());
		assertThat(chatLast.path("prompt_eval_count").asInt())
			.as("the oldest non-system message is dropped, the rest fits")
			.isBetween(1, 256);

		for (String flag : List.of("\"truncate\":false", "\"shift\":false")) {
			HttpResponse<String> refused = post("/api/generate",
					"{\"model\":\"llama3.1:8b\"," + flag + ",\"prompt\":\"" + longPrompt + "\"" + options + "}");
			assertThat(refused.statusCode()).isEqualTo(400);
			assertThat(JSON.readTree(refused.body()).path("error").asString())
				.startsWith("the prompt is longer than the context length");
		}
	}

	@Test
	void ollamaErrorBodies() throws Exception {
		HttpResponse<String> unknown = post("/api/generate", "{\"model\":\"nope\",\"prompt\":\"x\"}");
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat(unknown.body()).isEqualTo("{\"error\":\"model 'nope' not found\"}");
		HttpResponse<String> embed = post("/api/embed", "{\"model\":\"nope\",\"input\":\"x\"}");
		assertThat(embed.body()).isEqualTo("{\"error\":\"model \\\"nope\\\" not found, try pulling it first\"}");
		assertThat(post("/api/chat", "{\"model\":\"\",\"messages\":[]}").body())
			.isEqualTo("{\"error\":\"model is required\"}");
		assertThat(post("/api/generate", "").body()).isEqualTo("{\"error\":\"missing request body\"}");
		assertThat(post("/api/generate", "{\"model\":\"llama3.1:8b\",\"prompt\":1}").body())
			.contains("cannot unmarshal number into Go struct field GenerateRequest.prompt of type string");
		assertThat(post("/api/generate", "{\"model\":\"llama3.1:8b\",\"prompt\":\"x\",\"keep_alive\":\"300\"}").body())
			.isEqualTo("{\"error\":\"time: missing unit in duration \\\"300\\\"\"}");
		assertThat(post("/api/generate", "{\"model\":\"nomic-embed-text\",\"prompt\":\"x\"}").body())
			.isEqualTo("{\"error\":\"\\\"nomic-embed-text\\\" does not support generate\"}");
		HttpResponse<String> badOption = post("/api/generate",
				"{\"model\":\"llama3.1:8b\",\"prompt\":\"x\",\"options\":{\"num_ctx\":\"big\"}}");
		assertThat(badOption.statusCode()).isEqualTo(500);
	}

	@Test
	void loadAndUnloadWithAnEmptyPrompt() throws Exception {
		JsonNode load = JSON.readTree(post("/api/generate", "{\"model\":\"llama3.1:8b\"}").body());
		assertThat(load.path("done_reason").asString()).isEqualTo("load");
		assertThat(JSON.readTree(get("/api/ps").body()).path("models").get(0).path("name").asString())
			.isEqualTo("llama3.1:8b");
		JsonNode unload = JSON.readTree(post("/api/generate", "{\"model\":\"llama3.1:8b\",\"keep_alive\":0}").body());
		assertThat(unload.path("done_reason").asString()).isEqualTo("unload");
		assertThat(JSON.readTree(get("/api/ps").body()).path("models").size()).isZero();
	}

	@Test
	void embeddingsAreUnitVectorsInInputOrder() throws Exception {
		JsonNode answer = JSON
			.readTree(post("/api/embed", "{\"model\":\"all-minilm\",\"input\":[\"a\",\"b\"]}").body());
		assertThat(answer.path("embeddings").size()).isEqualTo(2);
		double norm = 0;
		for (JsonNode v : answer.path("embeddings").get(0)) {
			norm += v.asDouble() * v.asDouble();
		}
		assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
		assertThat(answer.path("embeddings").get(0)).isNotEqualTo(answer.path("embeddings").get(1));
	}

	@Test
	void aLoadedModelRunsAtMostItsSlotsAtOnceAndQueuesTheRest() throws Exception {
		this.sim.close();
		this.sim = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.02).withNumParallel(2));
		List<CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
		for (int i = 0; i < 8; i++) {
			calls.add(this.http.sendAsync(HttpRequest.newBuilder(URI.create(this.sim.baseUrl() + "/api/generate"))
				.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.1:8b\",\"prompt\":\"p" + i
						+ "\",\"stream\":false,\"options\":{\"num_predict\":50}}"))
				.build(), HttpResponse.BodyHandlers.ofString()));
		}
		for (CompletableFuture<HttpResponse<String>> call : calls) {
			assertThat(call.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		}
		assertThat(this.sim.requestLog().entries()).hasSize(8);
		assertThat(this.sim.requestLog().peakInFlight()).isEqualTo(8);
		assertThat(this.sim.requestLog().peakOverlap()).as("8 sent at once overlap on 2 slots").isGreaterThan(2);
	}

	@Test
	void theLoadQueueOverflowsWith503() throws Exception {
		this.sim.close();
		SimConfig base = SimConfig.defaults().withTimeScale(1.0);
		this.sim = OllamaSimulator.start(new SimConfig(base.host(), 0, base.profile(), 1.0, 1, 2, 3,
				base.defaultKeepAlive(), 4096, base.version(), base.catalog(), base.minChunkInterval()));
		List<CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
		for (int i = 0; i < 4; i++) {
			calls.add(this.http.sendAsync(HttpRequest.newBuilder(URI.create(this.sim.baseUrl() + "/api/generate"))
				.POST(HttpRequest.BodyPublishers.ofString(
						"{\"model\":\"mistral:7b\",\"prompt\":\"p\",\"stream\":false,\"options\":{\"num_predict\":1}}"))
				.build(), HttpResponse.BodyHandlers.ofString()));
			Thread.sleep(50);
		}
		List<Integer> statuses = new java.util.ArrayList<>();
		for (CompletableFuture<HttpResponse<String>> call : calls) {
			HttpResponse<String> response = call.get(30, TimeUnit.SECONDS);
			statuses.add(response.statusCode());
			if (response.statusCode() == 503) {
				assertThat(response.body())
					.contains("server busy, please try again.  maximum pending requests exceeded");
			}
		}
		assertThat(statuses).containsExactlyInAnyOrder(200, 200, 503, 503);
	}

	@Test
	void itsClockAndFaultSeedAreInjected() throws Exception {
		this.sim.close();
		Instant fixed = Instant.parse("2026-12-04T12:00:00Z");
		this.sim = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01),
				SimRuntime.system().withFaultSeed(7).withWall(Clock.fixed(fixed, ZoneOffset.UTC)));
		HttpResponse<String> response = post("/api/generate",
				"{\"model\":\"llama3.1:8b\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_predict\":3}}");
		assertThat(JSON.readTree(response.body()).path("created_at").asString()).isEqualTo(fixed.toString());

		Faults one = this.sim.faults().rate(Fault.BUSY_503, 0.5);
		Faults other = new Faults(7).rate(Fault.BUSY_503, 0.5);
		List<Fault> draws = Stream.generate(one::draw).limit(50).toList();
		assertThat(Stream.generate(other::draw).limit(50).toList()).as("the same seed draws the same faults")
			.isEqualTo(draws)
			.contains(Fault.NONE, Fault.BUSY_503);
	}

}
