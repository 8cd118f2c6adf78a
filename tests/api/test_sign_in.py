"""How the front ends sign in: with bayflow's dev issuer, a demo user is picked and gets a token
that the API accepts; with Supabase, the config names the project and the dev routes do not exist."""
import jwt
from fastapi.testclient import TestClient

from api.app import create_app
from bayflow.config import Settings
from tests.support.shop import DISPATCHER, TECH_ANA


def test_dev_issuer_lists_users_with_a_profile_and_signs_one_in(shop_db, tmp_path):
    app = create_app(Settings(database_url=shop_db, bayflow_home=tmp_path, bayflow_api_pool_size=2))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/auth/config").json() == {"mode": "dev", "supabase_url": None,
                                                        "supabase_anon_key": None}
        users = client.get("/v1/dev/users").json()
        assert {u["id"] for u in users} >= {str(DISPATCHER), str(TECH_ANA)}
        assert users[0]["role"] == "dispatcher"  # dispatchers first: the board's usual user
        assert all(u["role"] in ("admin", "dispatcher", "tech") for u in users)  # no profile: not listed

        signed_in = client.post("/v1/dev/token", json={"email": f"{TECH_ANA}@TEST"})
        assert signed_in.status_code == 200, signed_in.text
        body = signed_in.json()
        assert body["user"] == {"id": str(TECH_ANA), "email": f"{TECH_ANA}@test", "role": "tech",
                                "display_name": "tech 11"}
        key = jwt.PyJWK(client.get("/auth/v1/.well-known/jwks.json").json()["keys"][0])
        claims = jwt.decode(body["access_token"], key.key, algorithms=["ES256"], audience="authenticated")
        assert claims["sub"] == str(TECH_ANA) and claims["exp"] - claims["iat"] == body["expires_in"]

        unknown = client.post("/v1/dev/token", json={"email": "nobody@test"})
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert unknown.json()["errors"] == [{"field": "email", "message": "no such user"}]


def test_with_supabase_the_config_names_the_project_and_there_is_no_dev_sign_in(shop_db, supabase_auth, tmp_path):
    settings = supabase_auth.app_settings(shop_db, tmp_path, supabase_anon_key="public-anon-key")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/v1/auth/config").json() == {"mode": "supabase", "supabase_url": supabase_auth.url,
                                                        "supabase_anon_key": "public-anon-key"}
        assert client.get("/v1/dev/users").status_code == 404
        assert client.post("/v1/dev/token", json={"email": f"{DISPATCHER}@test"}).status_code == 404
