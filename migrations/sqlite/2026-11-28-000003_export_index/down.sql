DROP INDEX responses_date_id;
