package dev.kow.worker.execution;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import dev.kow.avro.ErrorCategory;
import dev.kow.worker.hosts.AttemptEnd;
import dev.kow.worker.ollama.FailureKind;
import dev.kow.worker.ollama.OllamaCallException;
import dev.kow.worker.ollama.OllamaFailures;
import dev.kow.worker.testing.ScriptedOllama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.PrematureCloseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every Ollama error answer and transport failure of {@code docs/ollama-behaviour.md}
 * ("Errors"), named by {@link OllamaFailures} and classified by
 * {@link AttemptClassifier}: what the job does next and what its host learns.
 */
class AttemptClassifierTest {

	private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

	/** A first attempt of 4, no deadline, a 500 ms backoff. */
	private static final AttemptClassifier.Context FIRST = new AttemptClassifier.Context(1, 1, null, NOW,
			Duration.ofMillis(500), 4, false);

	static Stream<Arguments> httpAnswers() {
		return Stream.of(
				// status, body, failure kind, what the job does, its category when it
				// fails, host fault
				arguments(400, "{\"error\":\"missing request body\"}", FailureKind.BAD_REQUEST, "failed",
						ErrorCategory.BAD_REQUEST, false),
				arguments(400,
						"{\"error\":\"json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string\"}",
						FailureKind.BAD_REQUEST, "failed", ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"time: missing unit in duration \\\"300\\\"\"}", FailureKind.BAD_REQUEST,
						"failed", ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"invalid think value: \\\"x\\\"\"}", FailureKind.BAD_REQUEST, "failed",
						ErrorCategory.BAD_REQUEST, false),
				arguments(404, "{\"error\":\"model 'llama9' not found\"}", FailureKind.MODEL_NOT_FOUND, "failed",
						ErrorCategory.UNKNOWN_MODEL, false),
				arguments(404, "{\"error\":\"model \\\"x\\\" not found, try pulling it first\"}",
						FailureKind.MODEL_NOT_FOUND, "failed", ErrorCategory.UNKNOWN_MODEL, false),
				arguments(404, "{\"error\":\"model 'x' not found, try pulling it first\"}", FailureKind.MODEL_NOT_FOUND,
						"failed", ErrorCategory.UNKNOWN_MODEL, false),
				arguments(400, "{\"error\":\"model is required\"}", FailureKind.BAD_REQUEST, "failed",
						ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"invalid model name\"}", FailureKind.BAD_REQUEST, "failed",
						ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"\\\"bert\\\" does not support chat\"}", FailureKind.BAD_REQUEST, "failed",
						ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"registry.ollama.ai/library/test:latest does not support tools\"}",
						FailureKind.BAD_REQUEST, "failed", ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"raw mode does not support template, system, or context\"}",
						FailureKind.BAD_REQUEST, "failed", ErrorCategory.BAD_REQUEST, false),
				arguments(400, "{\"error\":\"top_logprobs must be between 0 and 20\"}", FailureKind.BAD_REQUEST,
						"failed", ErrorCategory.BAD_REQUEST, false),
				arguments(400,
						"{\"error\":\"the prompt is longer than the context length currently available to the model; "
								+ "shorten the prompt, adjust the context length in settings, or use a model with a "
								+ "longer context length\"}",
						FailureKind.PROMPT_TOO_LONG, "failed", ErrorCategory.PROMPT_TOO_LONG, false),
				arguments(400,
						"{\"error\":\"{\\\"error\\\":{\\\"code\\\":400,\\\"message\\\":\\\"request (26528 tokens) exceeds "
								+ "the available context size (16384 tokens), try increasing it\\\",\\\"type\\\":"
								+ "\\\"exceed_context_size_error\\\"}}\"}",
						FailureKind.PROMPT_TOO_LONG, "failed", ErrorCategory.PROMPT_TOO_LONG, false),
				arguments(400, "{\"error\":\"the input length exceeds the context length\"}",
						FailureKind.PROMPT_TOO_LONG, "failed", ErrorCategory.PROMPT_TOO_LONG, false),
				arguments(503, "{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}",
						FailureKind.SERVER_BUSY, "retry", null, true),
				arguments(500, "{\"error\":\"llama-server process has terminated: exit status 2\"}",
						FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(500, "{\"error\":\"timed out waiting for llama-server to start - \"}",
						FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(500,
						"{\"error\":\"model requires more system memory (9.1 GiB) than is available (4.0 GiB)\"}",
						FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(500,
						"{\"error\":\"model runner has unexpectedly stopped, this may be due to resource limitations or "
								+ "an internal error, check ollama server logs for details\"}",
						FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(401, "", FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(403, "", FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(502, "<html>bad gateway</html>", FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(429, "{\"error\":\"too many requests\"}", FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(404, "404 page not found", FailureKind.SERVER_ERROR, "retry", null, true),
				arguments(405, "405 method not allowed", FailureKind.SERVER_ERROR, "retry", null, true));
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("httpAnswers")
	void anHttpErrorAnswerIsNamedAndClassified(int status, String body, FailureKind kind, String next,
			ErrorCategory category, boolean hostFault) {
		OllamaCallException failure = OllamaFailures.fromHttp("h", status, body);
		assertThat(failure.kind()).isEqualTo(kind);
		assertThat(failure.status()).isEqualTo(status);
		AttemptOutcome outcome = AttemptClassifier.classify(new CallResult.Errored(failure), FIRST);
		if ("failed".equals(next)) {
			assertThat(outcome).isEqualTo(new AttemptOutcome.Failed(category, failure.getMessage()));
		}
		else {
			assertThat(outcome).isEqualTo(new AttemptOutcome.Retry(Duration.ofMillis(500), kind));
		}
		AttemptEnd end = AttemptClassifier.forHost(new CallResult.Errored(failure), "m:latest");
		assertThat(end).isInstanceOf(hostFault ? AttemptEnd.HostFailed.class : AttemptEnd.Refused.class);
		if (end instanceof AttemptEnd.HostFailed failed) {
			assertThat(failed.busy()).as("only 503 lowers the adaptive limit").isEqualTo(status == 503);
		}
	}

	@Test
	void ollamasErrorTextIsTheMessageAndAnEmptyBodyNamesTheStatus() {
		assertThat(OllamaFailures.fromHttp("h", 404, "{\"error\":\"model 'llama9' not found\"}").getMessage())
			.isEqualTo("MODEL_NOT_FOUND from h (HTTP 404): model 'llama9' not found");
		assertThat(OllamaFailures.fromHttp("h", 403, "").getMessage()).endsWith(": HTTP 403");
		assertThat(OllamaFailures.fromHttp("h", 502, "x".repeat(1000)).getMessage()).hasSizeLessThan(400);
	}

	static Stream<Arguments> transportFailures() {
		return Stream.of(arguments(new ConnectException("Connection refused"), FailureKind.CONNECTION),
				arguments(new IOException("Connection reset by peer"), FailureKind.CONNECTION),
				arguments(new RuntimeException(new IOException("broken pipe")), FailureKind.CONNECTION),
				arguments(PrematureCloseException.TEST_EXCEPTION, FailureKind.CONNECTION),
				arguments(new NotYetConnectedException(), FailureKind.CONNECTION),
				arguments(new IllegalStateException("something else"), FailureKind.PROTOCOL));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("transportFailures")
	void aTransportFailureIsRetriedOnAnotherAttempt(Throwable error, FailureKind kind) {
		OllamaCallException failure = OllamaFailures.fromTransport("h", error, 3);
		assertThat(failure.kind()).isEqualTo(kind);
		assertThat(failure.chunksBeforeFailure()).isEqualTo(3);
		assertThat(AttemptClassifier.classify(new CallResult.Errored(failure), FIRST))
			.isEqualTo(new AttemptOutcome.Retry(Duration.ofMillis(500), kind));
		assertThat(AttemptClassifier.forHost(new CallResult.Errored(failure), "m:latest"))
			.isInstanceOf(AttemptEnd.HostFailed.class);
	}

	@ParameterizedTest
	@MethodSource("streamFailures")
	void failuresTheClientDetectsInTheStreamAreRetried(FailureKind kind) {
		OllamaCallException failure = new OllamaCallException("h", kind, 200, 5, "detail");
		assertThat(AttemptClassifier.classify(new CallResult.Errored(failure), FIRST))
			.isEqualTo(new AttemptOutcome.Retry(Duration.ofMillis(500), kind));
		assertThat(OllamaFailures.fromTransport("h", failure, 0)).as("a named failure stays as it is")
			.isSameAs(failure);
	}

	static Stream<FailureKind> streamFailures() {
		return Stream.of(FailureKind.STREAM_ERROR, FailureKind.TRUNCATED, FailureKind.TTFT_TIMEOUT,
				FailureKind.STREAM_STALL, FailureKind.TOTAL_TIMEOUT, FailureKind.PROTOCOL);
	}

	@Test
	void aRetryableFailureExpiresWhenTheBackoffReachesTheDeadlineAndFailsWhenAttemptsAreUsedUp() {
		CallResult busy = new CallResult.Errored(OllamaFailures.fromHttp("h", 503, "{\"error\":\"server busy\"}"));
		assertThat(AttemptClassifier.classify(busy,
				new AttemptClassifier.Context(2, 1, NOW.plusMillis(500), NOW, Duration.ofMillis(500), 4, false)))
			.isInstanceOfSatisfying(AttemptOutcome.Expired.class,
					expired -> assertThat(expired.reason()).contains("before attempt 3").contains("server busy"));
		assertThat(AttemptClassifier.classify(busy,
				new AttemptClassifier.Context(1, 1, NOW.plusMillis(501), NOW, Duration.ofMillis(500), 4, false)))
			.as("the next attempt starts before the deadline")
			.isInstanceOf(AttemptOutcome.Retry.class);
		assertThat(AttemptClassifier.classify(busy,
				new AttemptClassifier.Context(4, 4, null, NOW, Duration.ofMillis(500), 4, false)))
			.isInstanceOfSatisfying(AttemptOutcome.Failed.class, failed -> {
				assertThat(failed.category()).isEqualTo(ErrorCategory.RETRIES_EXHAUSTED);
				assertThat(failed.message()).startsWith("4 attempts failed; last: SERVER_BUSY");
			});
		assertThat(AttemptClassifier.classify(busy,
				new AttemptClassifier.Context(5, 3, null, NOW, Duration.ofMillis(500), 4, false)))
			.as("preempted attempts do not count")
			.isInstanceOf(AttemptOutcome.Retry.class);
	}

	@Test
	void aCancelledJobEndsCancelledWhateverTheCallDid() {
		AttemptClassifier.Context cancelled = new AttemptClassifier.Context(1, 1, null, NOW, Duration.ZERO, 4, true);
		assertThat(
				AttemptClassifier.classify(new CallResult.Errored(OllamaFailures.fromHttp("h", 400, "{}")), cancelled))
			.isInstanceOf(AttemptOutcome.Cancelled.class);
		assertThat(AttemptClassifier.classify(new CallResult.Stopped(true), cancelled))
			.isInstanceOf(AttemptOutcome.Cancelled.class);
		assertThat(AttemptClassifier.classify(new CallResult.Stopped(false), FIRST))
			.isInstanceOf(AttemptOutcome.Cancelled.class);
		assertThat(AttemptClassifier.classify(new CallResult.Stopped(true), FIRST))
			.isInstanceOf(AttemptOutcome.Preempted.class);
		assertThat(AttemptClassifier.forHost(new CallResult.Stopped(true), "m:latest")).isEqualTo(AttemptEnd.ABANDONED);
	}

	@Test
	void anAnswerSucceedsAndTeachesTheHostItsModelAndSpeed() {
		var answer = ScriptedOllama.answer("hi", 40);
		assertThat(AttemptClassifier.classify(new CallResult.Answered(answer), FIRST))
			.isEqualTo(new AttemptOutcome.Succeeded(answer));
		assertThat(AttemptClassifier.forHost(new CallResult.Answered(answer), "m:latest"))
			.isEqualTo(new AttemptEnd.Answered("m:latest", 40, answer.evalDurationNanos()));
	}

}
