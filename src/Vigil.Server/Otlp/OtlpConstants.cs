namespace Vigil.Server.Otlp;

/// <summary>Names intake uses in counters and answers: signals, transports and the fixed vocabulary of reject reasons.</summary>
internal static class OtlpConstants
{
    public const string Metrics = "metrics";
    public const string Logs = "logs";
    public const string Traces = "traces";

    public const string Grpc = "grpc";
    public const string Http = "http";

    /// <summary>Reject reasons, for <c>vigil_intake_rejected_items_total{reason}</c>; never built from request input.</summary>
    public static class Reasons
    {
        public const string TooOld = "too_old";
        public const string TooFarInFuture = "too_far_in_future";
        public const string MissingTimestamp = "missing_timestamp";
        public const string EmptyMetricName = "empty_metric_name";
        public const string TooManyLabels = "too_many_labels";
        public const string LabelNameTooLong = "label_name_too_long";
        public const string LabelValueTooLong = "label_value_too_long";
        public const string InvalidHistogram = "invalid_histogram";
        public const string DeltaSeriesLimit = "delta_series_limit";
        public const string OutOfOrder = "out_of_order";
        public const string InvalidLabels = "invalid_labels";
        public const string Unsupported = "unsupported";
        public const string InvalidTraceId = "invalid_trace_id";
        public const string InvalidSpanId = "invalid_span_id";
        public const string StoreRefused = "store_refused";
        public const string Overloaded = "overloaded";
    }

    /// <summary>Request outcomes, for <c>vigil_intake_requests_total{outcome}</c>.</summary>
    public static class Outcomes
    {
        public const string Ok = "ok";
        public const string Partial = "partial";
        public const string BadRequest = "bad_request";
        public const string TooLarge = "too_large";
        public const string UnsupportedMediaType = "unsupported_media_type";
        public const string Overloaded = "overloaded";
        public const string Error = "error";
    }
}
