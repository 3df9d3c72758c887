"""Personalized learning (a teacher's self-assessment against the modules'
competencies, the recommendations and path it gives) and the classroom access
inventories that, with the teacher's consent, roll up into the district's picture."""
