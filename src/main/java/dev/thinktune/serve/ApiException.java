package dev.thinktune.serve;

/**
 * A request the server refuses, answered with an OpenAI-style error object:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiException(int status, String type, String param, String message) {
        this(status, type, param, null, message);
    }

    private ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** The same error with OpenAI's machine-readable {@code code}, e.g. {@code model_not_found}. */
    ApiException withCode(String c) {
        return new ApiException(status, type, param, c, getMessage());
    }

    /** 400 invalid_request_error, naming the field at fault (or null). */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, message);
    }
}
