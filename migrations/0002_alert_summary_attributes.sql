-- The rule's SummaryAttributes of an alert: a JSON object of each named field's value in the alert's
-- first event (NULL when the rule names none).
ALTER TABLE alerts ADD COLUMN summary_attributes TEXT;
