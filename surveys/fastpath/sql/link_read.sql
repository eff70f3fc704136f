-- The link behind a token's hash, with everything a respondent's page reads of it, in one query:
-- the invitation, its round, the round's questionnaire, the unit, whether the link it was given
-- from is revoked, the unit's response in the round (if made yet) and the unit's profile for the
-- round's year (the latest earlier one when that year's is missing). Plain joins and one
-- subquery, prepared once per connection (surveys.fastpath.statements). The columns are read in
-- this order by surveys.fastpath.links.LINK_PARTS; a test checks the two agree.
SELECT i.id, i.survey_id, i.municipality_id, i.role, i.section_id, i.contact_id, i.delegated_by_id,
       i.name, i.email, i.token_hash, i.revoked_at, i.last_used_at,
       s.id, s.year, s.title, s.questionnaire_id, s.opens_at, s.closes_at, s.status, s.invitation_grace_days,
       q.id, q.title, q.year, q.frozen_at,
       m.id, m.number, m.name, m.kind, m.county_id, m.parent_id, m.delegation_email_domains,
       g.id, g.revoked_at,
       r.id,
       p.settles_refugees, p.is_partner, p.population, p.centrality_class, p.immigrant_share
  FROM surveys_invitation i
  JOIN surveys_survey s ON s.id = i.survey_id
  LEFT JOIN surveys_questionnaire q ON q.id = s.questionnaire_id
  JOIN municipalities_municipality m ON m.id = i.municipality_id
  LEFT JOIN surveys_invitation g ON g.id = i.delegated_by_id
  LEFT JOIN surveys_response r ON r.survey_id = i.survey_id AND r.municipality_id = i.municipality_id
  LEFT JOIN municipalities_municipalityprofile p ON p.id = (
        SELECT latest.id FROM municipalities_municipalityprofile latest
         WHERE latest.municipality_id = i.municipality_id AND latest.year <= s.year
         ORDER BY latest.year DESC LIMIT 1)
 WHERE i.token_hash = %(token_hash)s
