-- Organization settings set by PATCH /v1/organization/{id} (api_url, proxy_url, image_rendering_mode, ...), kept as
-- one JSON object so that new settings of the spec need no schema change.
ALTER TABLE organizations ADD COLUMN settings text NOT NULL DEFAULT '{}';

-- Service accounts are users made for integrations (PATCH /v1/organization/members); their keys in api_keys are
-- the API's service tokens, the keys of everyone else its API keys.
ALTER TABLE users ADD COLUMN service_account boolean NOT NULL DEFAULT false;
