-- Responses added with an API token, counted per token and day (issue 31, C-9): who added
-- them, with no time finer than the day and nothing that points to a response.
CREATE TABLE token_days (
    token_name TEXT NOT NULL,
    day DATE NOT NULL,
    responses BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (token_name, day)
);
